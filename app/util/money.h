// Money is integer cents everywhere inside; these are the only conversions to and from the wire,
// where it is a JSON number with exactly two decimals ("199.98", "100.00").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flashsale::util {

// "199.98" for 19998, "-0.05" for -5.
std::string FormatCents(int64_t cents);

// A JSON number literal ("59.90", "1e2", "-0.5") -> cents, computed from its decimal digits,
// exactly: nullopt when its value has more than two decimals (59.999, 1e-400) or more than 15
// digits of cents (far beyond any price). Trailing zeros are not decimals: 59.900 is 5990.
// REQUIRES: `literal` is a JSON number (the reader checked the grammar).
std::optional<int64_t> CentsFromDecimal(std::string_view literal);

}  // namespace flashsale::util
