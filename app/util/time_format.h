// Time as milliseconds since the Unix epoch (UTC), and its two text forms: RFC 3339 for the API
// ("2026-11-24T10:02:00.000Z") and MariaDB DATETIME(3) ("2026-11-24 10:02:00.000").
//
// The application clock is the only time source for expiry: expires_at is computed and compared
// here, never with the database's NOW(), so "has this hold expired" has one answer everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace flashsale::util {

using Millis = int64_t;

Millis NowMillis();  // CLOCK_REALTIME

std::string FormatRfc3339(Millis ms);
std::string FormatSqlTime(Millis ms);
// Parses "YYYY-MM-DD HH:MM:SS[.fff]" (as MariaDB returns DATETIME(3)); nullopt if malformed.
std::optional<Millis> ParseSqlTime(const std::string& text);

}  // namespace flashsale::util
