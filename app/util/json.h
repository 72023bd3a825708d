// JSON text out. jsoncpp parses our input, but its writer prints 100.00 as 100.0 and 199.98 as
// 199.97999999999999: money on our wire must be exact with two decimals. So output goes through
// this small writer, where money is its own kind of value.
//
// Json::Value cannot carry "this real is money", so the convention is: every real number in a
// value passed here is money and is written with exactly two decimals (MoneyValue builds one
// from cents). Our API has no other non-integer numbers.
#pragma once

#include <json/value.h>

#include <cstdint>
#include <string>

namespace flashsale::util {

Json::Value MoneyValue(int64_t cents);

// Compact JSON (no spaces), keys in insertion order as jsoncpp keeps them (sorted).
std::string WriteJson(const Json::Value& value);

// Appends `s` as a JSON string literal (quoted, escaped) to `out`.
void AppendJsonString(const std::string& s, std::string& out);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(const std::string& data);

}  // namespace flashsale::util
