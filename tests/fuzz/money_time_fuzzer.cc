// Money and time text (app/util/money.h, app/util/time_format.h, MoneyValue in app/util/json.h).
//   - CentsFromDecimal on a JSON number literal gives exactly the value's cents when it has at
//     most two decimals and fewer than 16 digits of cents, else nothing (reference: decimal
//     strings), and agrees with strtod;
//   - FormatCents prints any int64 exactly ("-?D+.DD") and reads back through CentsFromDecimal,
//     also as "1.230", "123e-2", "1.23e0"; money written by WriteJson is FormatCents exactly;
//   - RFC 3339 / SQL times print any instant without crashing, match a reference calendar for
//     years 1..9999, and SQL times read back to the same millisecond.
//
// Input: a number literal such as "999999.995" (read as a literal when it is one); its bytes also
// give the int64 cents and instants (little-endian, 8 bytes each).
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "support/fuzz_check.h"
#include "support/reference.h"
#include "util/json.h"
#include "util/money.h"
#include "util/time_format.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

constexpr int64_t kCentsLimit = 999999999999999LL;  // 15 digits

std::string RefFormatCents(int64_t cents) {
  unsigned __int128 abs = cents < 0 ? static_cast<unsigned __int128>(-static_cast<__int128>(cents))
                                    : static_cast<unsigned __int128>(cents);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(abs % 10)));
    abs /= 10;
  } while (abs != 0);
  while (digits.size() < 3) digits.insert(digits.begin(), '0');
  return (cents < 0 ? "-" : "") + digits.substr(0, digits.size() - 2) + "." +
         digits.substr(digits.size() - 2);
}

// Howard Hinnant's civil_from_days / days_from_civil (proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string RefRfc3339(int64_t ms, char separator, bool zulu) {
  int64_t days = ms / 86400000;
  int64_t rest = ms % 86400000;
  if (rest < 0) {
    rest += 86400000;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02u-%02u%c%02d:%02d:%02d.%03d%s", y, m, d,
                separator, static_cast<int>(rest / 3600000), static_cast<int>(rest / 60000 % 60),
                static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000), zulu ? "Z" : "");
  return buf;
}

constexpr int64_t kYear1Ms = -62135596800000LL;      // 0001-01-01T00:00:00.000Z
constexpr int64_t kYear10000Ms = 253402300800000LL;  // 10000-01-01T00:00:00.000Z

void CheckLiteral(const std::string& literal) {
  std::optional<int64_t> got = util::CentsFromDecimal(literal);
  bool negative = literal[0] == '-';
  std::optional<int64_t> want = RefCents(negative ? literal.substr(1) : literal, 0, kCentsLimit);
  if (want && negative) want = -*want;
  FUZZ_CHECK(got == want, "CentsFromDecimal(" << literal << ") = "
                                              << (got ? std::to_string(*got) : "none") << ", expected "
                                              << (want ? std::to_string(*want) : "none"));
  if (!got) return;
  double approx = std::strtod(literal.c_str(), nullptr) * 100.0;
  FUZZ_CHECK(std::fabs(approx - static_cast<double>(*got)) <= 1e-6 * std::max(1.0, std::fabs(approx)),
             literal << " -> " << *got << " cents, strtod says " << approx);
  FUZZ_CHECK(util::CentsFromDecimal(util::FormatCents(*got)) == got, "FormatCents round trip");
}

void CheckCents(int64_t any) {
  std::string text = util::FormatCents(any);
  FUZZ_CHECK(text == RefFormatCents(any), "FormatCents(" << any << ") = " << text);

  int64_t c = any % (kCentsLimit + 1);
  std::string s = util::FormatCents(c);
  FUZZ_CHECK(util::CentsFromDecimal(s) == c, s << " does not read back");
  FUZZ_CHECK(util::CentsFromDecimal(s + "0") == c, s << "0 does not read back");
  FUZZ_CHECK(util::CentsFromDecimal(s + "e0") == c, s << "e0 does not read back");
  FUZZ_CHECK(util::CentsFromDecimal(std::to_string(c) + "e-2") == c, c << "e-2 does not read back");
  FUZZ_CHECK(util::CentsFromDecimal(std::to_string(c) + "e-3") ==
                 (c % 10 == 0 ? std::optional<int64_t>(c / 10) : std::nullopt),
             c << "e-3");
  std::string money = util::WriteJson(util::MoneyValue(c));
  FUZZ_CHECK(money == s, "MoneyValue(" << c << ") written as " << money);
}

void CheckTime(int64_t ms) {
  std::string rfc = util::FormatRfc3339(ms);  // any instant: no crash, no UB
  std::string sql = util::FormatSqlTime(ms);
  if (ms < kYear1Ms || ms >= kYear10000Ms) return;
  FUZZ_CHECK(rfc == RefRfc3339(ms, 'T', true), ms << " -> " << rfc);
  FUZZ_CHECK(sql == RefRfc3339(ms, ' ', false), ms << " -> " << sql);
  FUZZ_CHECK(util::ParseSqlTime(sql) == ms, sql << " does not read back to " << ms);
}

// "YYYY-MM-DD HH:MM:SS.mmm" with a real date and time: must read to that instant.
void CheckSqlText(const std::string& text) {
  std::optional<util::Millis> got = util::ParseSqlTime(text);  // anything: no crash
  if (text.size() != 23 || text[4] != '-' || text[7] != '-' || text[10] != ' ' ||
      text[13] != ':' || text[16] != ':' || text[19] != '.') {
    return;
  }
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22}) {
    if (text[i] < '0' || text[i] > '9') return;
  }
  auto num = [&](size_t at, size_t len) {
    unsigned v = 0;
    for (size_t i = at; i < at + len; ++i) v = v * 10 + static_cast<unsigned>(text[i] - '0');
    return v;
  };
  unsigned y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
           s = num(17, 2), ms = num(20, 3);
  static const unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
      h > 23 || mi > 59 || s > 59) {
    return;
  }
  int64_t want = (DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000 + ms;
  FUZZ_CHECK(got == want, Printable(text) << " read as " << (got ? std::to_string(*got) : "none")
                                          << ", expected " << want);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::optional<RefValue> ref = RefParseJson(input);
  if (ref && (ref->kind == RefValue::kInt || ref->kind == RefValue::kReal)) CheckLiteral(ref->text);
  CheckSqlText(input);
  for (size_t at = 0; at < size && at < 32; at += 8) {
    uint64_t bits = 0;
    std::memcpy(&bits, data + at, std::min<size_t>(8, size - at));
    int64_t v;
    std::memcpy(&v, &bits, sizeof v);
    CheckCents(v);
    CheckTime(v);
    CheckTime(v / 1000);  // instants near now are more interesting than random 64-bit ones
    CheckTime(v % 4102444800000LL);
  }
  return 0;
}
