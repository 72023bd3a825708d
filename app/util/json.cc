#include "util/json.h"

#include <openssl/sha.h>

#include <cmath>
#include <cstdio>

#include "util/money.h"
#include "util/text.h"

namespace flashsale::util {
namespace {

}  // namespace

void AppendJsonString(const std::string& text, std::string& out) {
  // Every response body is valid UTF-8, whatever a string came from.
  std::string repaired;
  if (!IsValidUtf8(text)) repaired = ToValidUtf8(text);
  const std::string& s = repaired.empty() ? text : repaired;
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through unchanged
        }
    }
  }
  out += '"';
}

namespace {

void Write(const Json::Value& v, std::string& out) {
  switch (v.type()) {
    case Json::nullValue: out += "null"; break;
    case Json::intValue: out += std::to_string(v.asInt64()); break;
    case Json::uintValue: out += std::to_string(v.asUInt64()); break;
    case Json::realValue: out += FormatCents(std::llround(v.asDouble() * 100.0)); break;
    case Json::stringValue: AppendJsonString(v.asString(), out); break;
    case Json::booleanValue: out += v.asBool() ? "true" : "false"; break;
    case Json::arrayValue: {
      out += '[';
      for (Json::ArrayIndex i = 0; i < v.size(); ++i) {
        if (i > 0) out += ',';
        Write(v[i], out);
      }
      out += ']';
      break;
    }
    case Json::objectValue: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(it.name(), out);
        out += ':';
        Write(*it, out);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

Json::Value MoneyValue(int64_t cents) { return Json::Value(static_cast<double>(cents) / 100.0); }

std::string WriteJson(const Json::Value& value) {
  std::string out;
  out.reserve(256);
  Write(value, out);
  return out;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

}  // namespace flashsale::util
