#include "support/reference.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace flashsale::fuzz {

// ---------------------------------------------------------------------------------------------
// UTF-8: decode by bit patterns first, then reject what RFC 3629 forbids.
// ---------------------------------------------------------------------------------------------

size_t RefDecodeUtf8(std::string_view s, size_t i, uint32_t* code_point) {
  auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[k])); };
  uint32_t lead = at(i);
  size_t length;
  uint32_t cp;
  uint32_t smallest;
  if ((lead & 0x80) == 0) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, smallest = 0x10000;
  } else {
    return 0;  // continuation byte or 0xF8..0xFF
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((at(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (at(i + k) & 0x3F);
  }
  if (cp < smallest) return 0;                    // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;     // surrogate
  if (cp > 0x10FFFF) return 0;
  *code_point = cp;
  return length;
}

std::optional<size_t> RefUtf8Length(std::string_view s) {
  size_t count = 0;
  uint32_t cp;
  for (size_t i = 0; i < s.size(); ++count) {
    size_t n = RefDecodeUtf8(s, i, &cp);
    if (n == 0) return std::nullopt;
    i += n;
  }
  return count;
}

std::string RefRepairUtf8(std::string_view s) {
  std::string out;
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = RefDecodeUtf8(s, i, &cp);
    if (n == 0) {
      RefAppendUtf8(0xFFFD, out);
      i += 1;
    } else {
      RefAppendUtf8(cp, out);
      i += n;
    }
  }
  return out;
}

void RefAppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// ---------------------------------------------------------------------------------------------
// Strict JSON: a recursive descent parser over the RFC 8259 grammar.
// ---------------------------------------------------------------------------------------------

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool Document(RefValue& out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return pos_ == s_.size();
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // `open` = containers already open around this value.
  bool Value(RefValue& out, int open) {
    if (AtEnd()) return false;
    char c = Peek();
    if (c == '{') return Object(out, open + 1);
    if (c == '[') return Array(out, open + 1);
    if (c == '"') {
      out.kind = RefValue::kString;
      return String(out.text);
    }
    if (c == 't' || c == 'f') {
      out.kind = RefValue::kBool;
      out.boolean = c == 't';
      return Literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out.kind = RefValue::kNull;
      return Literal("null");
    }
    return Number(out);
  }

  bool Object(RefValue& out, int depth) {
    if (depth > kRefMaxDepth) return false;
    out.kind = RefValue::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    std::set<std::string> keys;
    for (;;) {
      SkipSpace();
      if (AtEnd() || Peek() != '"') return false;
      std::string key;
      if (!String(key)) return false;
      if (!keys.insert(key).second) return false;  // the same key twice
      SkipSpace();
      if (AtEnd() || Peek() != ':') return false;
      ++pos_;
      SkipSpace();
      RefValue member;
      if (!Value(member, depth)) return false;
      out.members.push_back(RefMember{std::move(key), std::move(member)});
      SkipSpace();
      if (AtEnd()) return false;
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return false;
      ++pos_;
    }
  }

  bool Array(RefValue& out, int depth) {
    if (depth > kRefMaxDepth) return false;
    out.kind = RefValue::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      RefValue item;
      if (!Value(item, depth)) return false;
      out.items.push_back(std::move(item));
      SkipSpace();
      if (AtEnd()) return false;
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return false;
      ++pos_;
    }
  }

  bool Hex4(uint32_t* value) {
    if (pos_ + 4 > s_.size()) return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_ + k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint32_t>(d);
    }
    pos_ += 4;
    *value = v;
    return true;
  }

  bool String(std::string& out) {
    ++pos_;  // '"'
    for (;;) {
      if (AtEnd()) return false;
      unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;  // raw control character (NUL included)
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) return false;
        char e = Peek();
        ++pos_;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            uint32_t cp;
            if (!Hex4(&cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // lone low surrogate
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t low;
              if (!Literal("\\u") || !Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            RefAppendUtf8(cp, out);
            break;
          }
          default: return false;
        }
        continue;
      }
      uint32_t cp;
      size_t n = RefDecodeUtf8(s_, pos_, &cp);
      if (n == 0) return false;
      out.append(s_.substr(pos_, n));
      pos_ += n;
    }
  }

  bool Digits() {
    size_t start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool Number(RefValue& out) {
    size_t start = pos_;
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (AtEnd()) return false;
    if (Peek() == '0') {
      ++pos_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      Digits();
    } else {
      return false;
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!Digits()) return false;
    }
    out.text = std::string(s_.substr(start, pos_ - start));
    bool integer = IsIntegerLiteral(out.text);
    if (integer) {
      // An integer that fits 64 bits (signed, or unsigned when positive) is kept exactly.
      errno = 0;
      if (out.text[0] == '-') {
        (void)std::strtoll(out.text.c_str(), nullptr, 10);
      } else {
        (void)std::strtoull(out.text.c_str(), nullptr, 10);
      }
      if (errno == 0) {
        out.kind = RefValue::kInt;
        return true;
      }
    }
    out.kind = RefValue::kReal;
    return std::isfinite(std::strtod(out.text.c_str(), nullptr));  // 1e400 does not fit a double
  }

  std::string_view s_;
  size_t pos_ = 0;
};

std::string Real(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string Quoted(const std::string& s) { return "s" + std::to_string(s.size()) + ":" + s; }

}  // namespace

std::optional<RefValue> RefParseJson(std::string_view text) {
  RefValue v;
  Parser parser(text);
  if (!parser.Document(v)) return std::nullopt;
  return v;
}

bool IsIntegerLiteral(std::string_view literal) {
  return literal.find_first_of(".eE") == std::string_view::npos;
}

std::optional<int64_t> RefInt64(std::string_view literal) {
  std::string text(literal);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size() || text.empty()) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::string Canonical(const RefValue& v) {
  switch (v.kind) {
    case RefValue::kNull: return "n";
    case RefValue::kBool: return v.boolean ? "t" : "f";
    case RefValue::kInt: {
      // Digits without a sign for zero: "-0" is the integer 0.
      if (v.text[0] == '-') {
        long long n = std::strtoll(v.text.c_str(), nullptr, 10);
        return "i" + std::to_string(n);
      }
      return "i" + std::to_string(std::strtoull(v.text.c_str(), nullptr, 10));
    }
    case RefValue::kReal: return "d" + Real(std::strtod(v.text.c_str(), nullptr));
    case RefValue::kString: return Quoted(v.text);
    case RefValue::kArray: {
      std::string out = "[";
      for (const RefValue& item : v.items) out += Canonical(item) + ",";
      return out + "]";
    }
    case RefValue::kObject: {
      std::map<std::string, std::string> sorted;
      for (const auto& [key, value] : v.members) sorted[key] = Canonical(value);
      std::string out = "{";
      for (const auto& [key, value] : sorted) out += Quoted(key) + "=" + value + ",";
      return out + "}";
    }
  }
  return "?";
}

std::string Canonical(const Json::Value& v) {
  switch (v.type()) {
    case Json::nullValue: return "n";
    case Json::booleanValue: return v.asBool() ? "t" : "f";
    case Json::intValue: return "i" + std::to_string(v.asInt64());
    case Json::uintValue: return "i" + std::to_string(v.asUInt64());
    case Json::realValue: return "d" + Real(v.asDouble());
    case Json::stringValue: return Quoted(v.asString());
    case Json::arrayValue: {
      std::string out = "[";
      for (Json::ArrayIndex i = 0; i < v.size(); ++i) out += Canonical(v[i]) + ",";
      return out + "]";
    }
    case Json::objectValue: {
      std::map<std::string, std::string> sorted;
      for (auto it = v.begin(); it != v.end(); ++it) sorted[it.name()] = Canonical(*it);
      std::string out = "{";
      for (const auto& [key, value] : sorted) out += Quoted(key) + "=" + value + ",";
      return out + "}";
    }
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Money: value = mantissa digits x 10^exponent, worked out on decimal strings.
// ---------------------------------------------------------------------------------------------

namespace {

// Compares two decimal strings without leading zeros.
int CompareDecimal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
}

}  // namespace

std::optional<int64_t> RefCents(std::string_view literal, int64_t min_cents, int64_t max_cents) {
  std::string text(literal);
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.erase(0, 1);
  size_t e = text.find_first_of("eE");
  std::string mantissa = text.substr(0, e);
  std::string exponent_text = e == std::string::npos ? "0" : text.substr(e + 1);
  size_t dot = mantissa.find('.');
  std::string fraction = dot == std::string::npos ? "" : mantissa.substr(dot + 1);
  std::string digits = mantissa.substr(0, dot) + fraction;
  // The exponent as a (possibly huge) decimal: only its size matters past a few digits.
  bool exp_negative = !exponent_text.empty() && exponent_text[0] == '-';
  if (!exponent_text.empty() && (exponent_text[0] == '-' || exponent_text[0] == '+')) {
    exponent_text.erase(0, 1);
  }
  exponent_text.erase(0, std::min(exponent_text.find_first_not_of('0'), exponent_text.size()));
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return min_cents <= 0 && 0 <= max_cents ? std::optional<int64_t>(0) : std::nullopt;
  if (exponent_text.size() > 7) return std::nullopt;  // |exponent| >= 10^7: far out of range
  long long exponent = exponent_text.empty() ? 0 : std::stoll(exponent_text);
  if (exp_negative) exponent = -exponent;
  // cents = digits x 10^(exponent + 2 - fraction digits)
  long long shift = exponent + 2 - static_cast<long long>(fraction.size());
  std::string cents;
  if (shift >= 0) {
    if (shift > 40) return std::nullopt;
    cents = digits + std::string(static_cast<size_t>(shift), '0');
  } else {
    size_t drop = static_cast<size_t>(-shift);
    if (drop >= digits.size()) return std::nullopt;  // non-zero digits below a cent
    std::string below = digits.substr(digits.size() - drop);
    if (below.find_first_not_of('0') != std::string::npos) return std::nullopt;
    cents = digits.substr(0, digits.size() - drop);
  }
  if (negative) return std::nullopt;  // the harnesses only use ranges starting at 0
  if (CompareDecimal(cents, std::to_string(max_cents)) > 0) return std::nullopt;
  int64_t value = std::stoll(cents);
  if (value < min_cents) return std::nullopt;
  return value;
}

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------

std::optional<int64_t> RefPathId(std::string_view s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (CompareDecimal(std::string(s), "9223372036854775807") > 0) return std::nullopt;
  return std::stoll(std::string(s));
}

std::optional<int64_t> RefQueryInt(std::string_view s, int64_t min, int64_t max) {
  // The app caps the text at 19 characters (any int64 fits; longer is refused).
  if (s.empty() || s.size() > 19) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::string trimmed(s);
  trimmed.erase(0, std::min(trimmed.find_first_not_of('0'), trimmed.size() - 1));
  if (CompareDecimal(trimmed, "9223372036854775807") > 0) return std::nullopt;
  int64_t v = std::stoll(trimmed);
  if (v < min || v > max) return std::nullopt;
  return v;
}

}  // namespace flashsale::fuzz
