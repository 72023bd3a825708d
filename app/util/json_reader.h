// JSON text in: the one reader for every request body.
//
// Strict RFC 8259, as the contract requires: no comments, no leading zeros, no trailing
// garbage, no raw control characters in strings, valid UTF-8 only, no lone surrogate escapes,
// no NUL byte anywhere, at most kMaxDepth levels of nesting, numbers that fit a double, and no
// key twice in one object (which value would count is ambiguous). nlohmann's SAX parser does
// the lexing and grammar (it is strict by default and never recurses, so depth cannot blow the
// stack); the handler here builds the Json::Value the rest of the code uses, stops at the depth
// limit, and keeps the literal text of the top-level numbers, because money must be read
// exactly from its decimal digits, never through a double (util/money.h).
#pragma once

#include <json/value.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace flashsale::util {

constexpr int kMaxJsonDepth = 32;

struct JsonDocument {
  Json::Value value;
  // Top-level key -> the number literal exactly as sent ("59.90", "1e2"), for number values.
  std::map<std::string, std::string> number_text;
};

// The parsed document, or nullopt when `text` is not acceptable JSON.
std::optional<JsonDocument> ReadJson(std::string_view text);

}  // namespace flashsale::util
