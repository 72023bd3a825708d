#include "util/time_format.h"

#include <cstdio>
#include <ctime>

namespace flashsale::util {
namespace {

std::string Format(Millis ms, const char* layout) {
  time_t secs = static_cast<time_t>(ms / 1000);
  int frac = static_cast<int>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, layout, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, frac);
  return buf;
}

}  // namespace

Millis NowMillis() {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<Millis>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string FormatRfc3339(Millis ms) { return Format(ms, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"); }

std::string FormatSqlTime(Millis ms) { return Format(ms, "%04d-%02d-%02d %02d:%02d:%02d.%03d"); }

std::optional<Millis> ParseSqlTime(const std::string& text) {
  struct tm tm {};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  int millis = 0;
  if (text.size() > static_cast<size_t>(consumed) && text[consumed] == '.') {
    // Up to three fraction digits count; DATETIME(3) gives exactly three.
    int scale = 100;
    for (size_t i = consumed + 1; i < text.size() && scale > 0; ++i, scale /= 10) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      millis += (text[i] - '0') * scale;
    }
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<Millis>(timegm(&tm)) * 1000 + millis;
}

}  // namespace flashsale::util
