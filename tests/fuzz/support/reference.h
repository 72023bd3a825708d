// Reference implementations the harnesses compare the application against. They are written
// independently of app/ (no nlohmann, no jsoncpp parsing, no shared helpers), straight from the
// contract (app/api/openapi/openapi.json, "Conventions") and the RFCs, and favour obviousness over speed.
#pragma once

#include <json/value.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flashsale::fuzz {

// ---- UTF-8 (RFC 3629) ----

// Decodes the code point at s[i]. Returns its length in bytes, or 0 when the bytes there are not
// a well-formed sequence (overlong, surrogate, above U+10FFFF, truncated, stray continuation).
size_t RefDecodeUtf8(std::string_view s, size_t i, uint32_t* code_point);
// Code points in `s`, nullopt when `s` is not well-formed UTF-8.
std::optional<size_t> RefUtf8Length(std::string_view s);
// `s` with each byte that does not start a well-formed sequence replaced by U+FFFD.
std::string RefRepairUtf8(std::string_view s);
void RefAppendUtf8(uint32_t code_point, std::string& out);

// ---- Strict JSON (RFC 8259 plus the contract's limits) ----

struct RefMember;

struct RefValue {
  enum Kind { kNull, kBool, kInt, kReal, kString, kArray, kObject };
  Kind kind = kNull;
  bool boolean = false;
  std::string text;  // kInt / kReal: the literal as sent; kString: the decoded bytes
  std::vector<RefValue> items;                             // kArray
  std::vector<RefMember> members;  // kObject, in input order
};

struct RefMember {
  std::string key;
  RefValue value;
};

constexpr int kRefMaxDepth = 32;

// The document, or nullopt when the contract says 400 invalid_json: not RFC 8259 JSON, invalid
// UTF-8, a lone surrogate escape, nesting over 32, a number that does not fit a double, or a key
// twice in one object.
std::optional<RefValue> RefParseJson(std::string_view text);

// One canonical text per JSON value (keys sorted by bytes, integers as decimal, other numbers as
// %.17g of their double), for comparing the application's Json::Value with RefValue.
std::string Canonical(const RefValue& v);
std::string Canonical(const Json::Value& v);

// True when a JSON number literal is written as an integer (no fraction, no exponent).
bool IsIntegerLiteral(std::string_view literal);
// The value of an integer literal if it fits int64.
std::optional<int64_t> RefInt64(std::string_view literal);

// ---- Money (contract: at most two decimals, read from the digits) ----

// The cents of a JSON number literal when its value has at most two decimals and
// min_cents <= cents <= max_cents (min_cents >= 0), else nullopt. Exact, with decimal strings.
std::optional<int64_t> RefCents(std::string_view literal, int64_t min_cents, int64_t max_cents);

// ---- Path ids and query integers ----

// "[1-9][0-9]*" within int64.
std::optional<int64_t> RefPathId(std::string_view s);
// Digits only ("[0-9]+"), within [min, max] (min >= 0).
std::optional<int64_t> RefQueryInt(std::string_view s, int64_t min, int64_t max);

}  // namespace flashsale::fuzz
