#include "util/time_format.h"

#include <boost/test/unit_test.hpp>

using namespace flashsale::util;

BOOST_AUTO_TEST_SUITE(time_format)

BOOST_AUTO_TEST_CASE(rfc3339_with_milliseconds_in_utc) {
  // 2026-11-24T10:02:00.000Z
  Millis ms = 1795514520000LL;
  BOOST_TEST(FormatRfc3339(ms) == "2026-11-24T10:02:00.000Z");
  BOOST_TEST(FormatRfc3339(ms + 7) == "2026-11-24T10:02:00.007Z");
  BOOST_TEST(FormatSqlTime(ms + 123) == "2026-11-24 10:02:00.123");
}

BOOST_AUTO_TEST_CASE(sql_time_round_trips) {
  for (Millis ms : {0LL, 1795514520000LL, 1795514520999LL, 4102444799999LL}) {
    BOOST_TEST(ParseSqlTime(FormatSqlTime(ms)).value() == ms);
  }
  BOOST_TEST(ParseSqlTime("2026-11-24 10:02:00").value() == 1795514520000LL);
  BOOST_TEST(!ParseSqlTime("yesterday").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
