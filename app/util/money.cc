#include "util/money.h"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstdlib>

namespace flashsale::util {

std::string FormatCents(int64_t cents) {
  char buf[32];
  const char* sign = cents < 0 ? "-" : "";
  unsigned long long abs = cents < 0 ? 0ULL - static_cast<unsigned long long>(cents)
                                     : static_cast<unsigned long long>(cents);
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", sign, abs / 100, abs % 100);
  return buf;
}

std::optional<int64_t> CentsFromDouble(double value) {
  if (!std::isfinite(value) || std::fabs(value) > 1e12) return std::nullopt;
  double scaled = value * 100.0;
  double rounded = std::nearbyint(scaled);
  // 59.9 * 100 is 5990.000000000001 in binary; anything further off has a third decimal.
  if (std::fabs(scaled - rounded) > 1e-6 * std::max(1.0, std::fabs(scaled))) return std::nullopt;
  return static_cast<int64_t>(rounded);
}

}  // namespace flashsale::util
