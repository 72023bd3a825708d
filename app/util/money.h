// Money is integer cents everywhere inside; these are the only conversions to and from the wire,
// where it is a JSON number with exactly two decimals ("199.98", "100.00").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace flashsale::util {

// "199.98" for 19998, "-0.05" for -5.
std::string FormatCents(int64_t cents);

// A JSON number as jsoncpp parsed it -> cents, if it has at most two decimals and
// |value| <= 1e12 (beyond that a double no longer holds every cent exactly).
std::optional<int64_t> CentsFromDouble(double value);

}  // namespace flashsale::util
