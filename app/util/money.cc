#include "util/money.h"

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

std::optional<int64_t> CentsFromDecimal(std::string_view literal) {
  bool negative = !literal.empty() && literal[0] == '-';
  if (negative) literal.remove_prefix(1);
  // value = digits x 10^exponent
  std::string digits;
  int64_t exponent = 0;
  size_t i = 0;
  for (; i < literal.size() && literal[i] >= '0' && literal[i] <= '9'; ++i) digits += literal[i];
  if (i < literal.size() && literal[i] == '.') {
    for (++i; i < literal.size() && literal[i] >= '0' && literal[i] <= '9'; ++i) {
      digits += literal[i];
      --exponent;
    }
  }
  if (i < literal.size() && (literal[i] == 'e' || literal[i] == 'E')) {
    ++i;
    bool exp_negative = i < literal.size() && literal[i] == '-';
    if (i < literal.size() && (literal[i] == '-' || literal[i] == '+')) ++i;
    int64_t e = 0;
    for (; i < literal.size() && literal[i] >= '0' && literal[i] <= '9'; ++i) {
      e = std::min<int64_t>(e * 10 + (literal[i] - '0'), 1000000);  // saturates: 1e999999 is out anyway
    }
    exponent += exp_negative ? -e : e;
  }
  if (i != literal.size() || digits.empty()) return std::nullopt;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return 0;  // zero, however written
  while (digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  // cents = digits x 10^(exponent + 2); digits has no trailing zero, so a negative power means a
  // third decimal.
  int64_t shift = exponent + 2;
  if (shift < 0 || static_cast<int64_t>(digits.size()) + shift > 15) return std::nullopt;
  int64_t cents = 0;
  for (char c : digits) cents = cents * 10 + (c - '0');
  for (int64_t k = 0; k < shift; ++k) cents *= 10;
  return negative ? -cents : cents;
}

}  // namespace flashsale::util
