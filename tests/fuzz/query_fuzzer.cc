// Query strings: Request::QueryParam (app/http/request.cc) against a reference decoder
// (application/x-www-form-urlencoded: '&' separates pairs, the first '=' splits name from value,
// '+' is a space, %XY a byte), ParseQueryInt (app/api/validate.h) against "digits only, in range",
// and GET /api/logs through the worker's Api: 422 naming exactly the bad parameters (limit 1 to
// 1000, after_id >= 0, type 1 to 64 characters of valid UTF-8), else on to the database (503 here).
//
// Input: the raw query string (what follows '?').
#include <cstdint>
#include <set>
#include <string>

#include "api/validate.h"
#include "http/request.h"
#include "support/dead_stack.h"
#include "support/fuzz_check.h"
#include "support/reference.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

std::string RefDecode(const std::string& s) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 3;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
      i += 1;
    }
  }
  return out;
}

std::optional<std::string> RefQueryParam(const std::string& query, const std::string& name) {
  std::string pair;
  for (size_t i = 0; i <= query.size(); ++i) {
    if (i < query.size() && query[i] != '&') {
      pair += query[i];
      continue;
    }
    size_t eq = pair.find('=');
    std::string key = eq == std::string::npos ? pair : pair.substr(0, eq);
    if (RefDecode(key) == name) return eq == std::string::npos ? "" : RefDecode(pair.substr(eq + 1));
    pair.clear();
  }
  return std::nullopt;
}

std::string PercentEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SilenceLogs();
  std::string query(reinterpret_cast<const char*>(data), size);

  for (auto [min, max] : {std::pair<int64_t, int64_t>{1, 1000}, {0, INT64_MAX}}) {
    std::optional<int64_t> n = api::ParseQueryInt(query, min, max);
    std::optional<int64_t> want = RefQueryInt(query, min, max);
    FUZZ_CHECK(n == want, "ParseQueryInt(" << Printable(query) << ", " << min << ", " << max
                                           << ") = " << (n ? std::to_string(*n) : "none")
                                           << ", expected " << (want ? std::to_string(*want) : "none"));
  }

  http::Request req;
  req.method = "GET";
  req.path = "/api/logs";
  req.query = query;
  for (const char* name : {"limit", "after_id", "type", "", "a b", "x"}) {
    std::optional<std::string> got = req.QueryParam(name);
    std::optional<std::string> want = RefQueryParam(query, name);
    FUZZ_CHECK(got == want, "QueryParam(" << name << ") = " << (got ? Printable(*got) : "none")
                                          << ", expected " << (want ? Printable(*want) : "none")
                                          << " in " << Printable(query));
  }

  // Any bytes, percent-encoded, come back as they were.
  http::Request encoded;
  encoded.query = "x=1&type=" + PercentEncode(query) + "&type=second";
  FUZZ_CHECK(encoded.QueryParam("type") == query, "percent-encoding round trip: " << Printable(query));

  // GET /api/logs?<query>
  std::set<std::string> bad;
  if (auto v = RefQueryParam(query, "limit"); v && !RefQueryInt(*v, 1, 1000)) bad.insert("limit");
  if (auto v = RefQueryParam(query, "after_id"); v && !RefQueryInt(*v, 0, INT64_MAX)) {
    bad.insert("after_id");
  }
  if (auto v = RefQueryParam(query, "type")) {
    std::optional<size_t> chars = RefUtf8Length(*v);
    if (!chars || *chars < 1 || *chars > 64) bad.insert("type");
  }
  http::Response r = HandleWithDeadStack(req);
  CheckClientResponse(r, "GET /api/logs?" + Printable(query));
  if (bad.empty()) {
    FUZZ_CHECK(r.status == 503, "valid query answered " << r.status << ": " << Printable(query)
                                                        << " -> " << Printable(r.body));
  } else {
    std::optional<RefValue> body = RefParseJson(r.body);
    std::set<std::string> fields;
    if (body) {
      for (const auto& [k, error] : body->members) {
        for (const auto& [ek, ev] : error.members) {
          if (ek != "fields") continue;
          for (const auto& [field, what] : ev.members) fields.insert(field);
        }
      }
    }
    FUZZ_CHECK(r.status == 422 && fields == bad, "bad query answered " << r.status << " "
                                                     << Printable(r.body) << ": " << Printable(query));
  }
  return 0;
}
