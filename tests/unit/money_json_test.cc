#include <boost/test/unit_test.hpp>

#include "util/json.h"
#include "util/money.h"

using namespace flashsale::util;

BOOST_AUTO_TEST_SUITE(money_json)

BOOST_AUTO_TEST_CASE(cents_format_with_exactly_two_decimals) {
  struct Case {
    int64_t cents;
    const char* text;
  };
  const Case cases[] = {{19998, "199.98"}, {10000, "100.00"}, {5990, "59.90"}, {1, "0.01"},
                        {0, "0.00"},       {-5, "-0.05"},     {9999, "99.99"},
                        {100000000LL * 1000000LL, "1000000000000.00"}};
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.cents) { BOOST_TEST(FormatCents(c.cents) == c.text); }
  }
}

BOOST_AUTO_TEST_CASE(money_values_serialize_exactly) {
  // Every cents value a product price x quantity can produce round-trips through the writer.
  for (int64_t cents : {19998LL, 10000LL, 5990LL, 1LL, 9999LL, 123456789LL, 99999999LL * 1000LL}) {
    Json::Value v(Json::objectValue);
    v["total_price"] = MoneyValue(cents);
    BOOST_TEST(WriteJson(v) == "{\"total_price\":" + FormatCents(cents) + "}");
  }
}

BOOST_AUTO_TEST_CASE(writer_escapes_strings_and_keeps_integers) {
  Json::Value v(Json::objectValue);
  v["name"] = "a\"b\\c\n\x01";
  v["n"] = Json::Value(static_cast<Json::Int64>(9007199254740993LL));
  v["none"] = Json::Value();
  v["ok"] = true;
  v["list"] = Json::Value(Json::arrayValue);
  v["list"].append(1);
  BOOST_TEST(WriteJson(v) ==
             "{\"list\":[1],\"n\":9007199254740993,\"name\":\"a\\\"b\\\\c\\n\\u0001\","
             "\"none\":null,\"ok\":true}");
}

BOOST_AUTO_TEST_CASE(cents_from_decimal_literals_exactly) {
  BOOST_TEST(CentsFromDecimal("59.9").value() == 5990);
  BOOST_TEST(CentsFromDecimal("59.90").value() == 5990);
  BOOST_TEST(CentsFromDecimal("59.900").value() == 5990);  // trailing zeros are not decimals
  BOOST_TEST(CentsFromDecimal("0.29").value() == 29);
  BOOST_TEST(CentsFromDecimal("1.15").value() == 115);
  BOOST_TEST(CentsFromDecimal("100").value() == 10000);
  BOOST_TEST(CentsFromDecimal("1e2").value() == 10000);
  BOOST_TEST(CentsFromDecimal("1.5E1").value() == 1500);
  BOOST_TEST(CentsFromDecimal("1234e-2").value() == 1234);
  BOOST_TEST(CentsFromDecimal("0").value() == 0);
  BOOST_TEST(CentsFromDecimal("-0").value() == 0);
  BOOST_TEST(CentsFromDecimal("0e-400").value() == 0);
  BOOST_TEST(CentsFromDecimal("-0.5").value() == -50);
  BOOST_TEST(CentsFromDecimal("1000000.00").value() == 100000000);
  // More than two decimals, however small or however written: refused, never rounded.
  BOOST_TEST(!CentsFromDecimal("1.005").has_value());
  BOOST_TEST(!CentsFromDecimal("1000.001").has_value());
  BOOST_TEST(!CentsFromDecimal("999999.995").has_value());
  BOOST_TEST(!CentsFromDecimal("1e-400").has_value());
  BOOST_TEST(!CentsFromDecimal("1e-3").has_value());
  // Far beyond any price.
  BOOST_TEST(!CentsFromDecimal("1e13").has_value());
  BOOST_TEST(!CentsFromDecimal("1e999999999").has_value());
  BOOST_TEST(!CentsFromDecimal("99999999999999999999").has_value());
}

BOOST_AUTO_TEST_CASE(sha256_hex) {
  BOOST_TEST(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_SUITE_END()
