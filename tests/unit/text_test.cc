#include "util/text.h"

#include <boost/test/unit_test.hpp>

using namespace flashsale::util;

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(utf8_is_checked_strictly) {
  BOOST_TEST(Utf8Length("").value() == 0u);
  BOOST_TEST(Utf8Length("abc").value() == 3u);
  BOOST_TEST(Utf8Length("caf\xC3\xA9").value() == 4u);
  BOOST_TEST(Utf8Length("\xE2\x82\xAC\xF0\x9F\x98\x80").value() == 2u);
  BOOST_TEST(Utf8Length("\xF4\x8F\xBF\xBF").value() == 1u);  // U+10FFFF
  const char* bad[] = {"caf\xE9", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xB0\x80", "\xED\xA0\x80",
                       "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\x80", "\xE2\x82"};
  for (const char* s : bad) {
    BOOST_TEST_CONTEXT(s) { BOOST_TEST(!IsValidUtf8(s)); }
  }
}

BOOST_AUTO_TEST_CASE(visible_ascii) {
  BOOST_TEST(IsVisibleAscii("abc-123_~!"));
  BOOST_TEST(!IsVisibleAscii("a b"));
  BOOST_TEST(!IsVisibleAscii("caf\xE9"));
  BOOST_TEST(!IsVisibleAscii("tab\t"));
  BOOST_TEST(!IsVisibleAscii("\x7F"));
}

BOOST_AUTO_TEST_SUITE_END()
