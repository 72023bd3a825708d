#include "api/validate.h"

#include <boost/test/unit_test.hpp>

using flashsale::api::FieldChecker;
using flashsale::api::ParseObject;
using flashsale::api::ParseQueryInt;

BOOST_AUTO_TEST_SUITE(validate)

BOOST_AUTO_TEST_CASE(only_json_objects_are_bodies) {
  const char* bad[] = {"", "[]", "[1]", "1", "\"x\"", "null", "{", "{\"a\":1} trailing",
                       "{'a':1}", "{\"a\":1,}"};
  for (const char* body : bad) {
    BOOST_TEST_CONTEXT(body) {
      auto r = ParseObject(body);
      BOOST_TEST(!r.ok());
      BOOST_TEST(r.status().error() == "invalid_json");
    }
  }
  BOOST_TEST(ParseObject("{\"product_id\": 1}").ok());
  BOOST_TEST(ParseObject("{}").ok());
}

BOOST_AUTO_TEST_CASE(json_is_read_strictly) {
  using namespace std::string_literals;
  const std::string bad[] = {
      "{\"a\": 01}", "{\"a\": 1.}", "{\"a\": +1}", "{\"a\": -}", "{\"a\": .5}",
      "{\"a\": 1} // comment", "{/* c */\"a\": 1}", "{\"a\": \"x\ty\"}" /* raw tab */,
      "{\"a\": \"x\ny\"}", "{\"a\": 1}\0{\"b\": 2}"s, "{\"a\": 1}\0"s,
      "{\"a\": \"caf\xE9\"}", "{\"a\": \"\xED\xB0\x80\"}", "{\"a\": \"\\udc00\"}",
      "{\"a\": \"\\ud83d\"}", "{\"a\": \"\\ud83dx\"}", "{\"a\": 1, \"a\": 2}",
      "{\"a\": 1e400}", "{\"a\": NaN}", "{\"a\": Infinity}", "\xEF\xBB\xBF{}",
      "{\"a\": 1}}", "{\"a\" 1}", "{\"a\": tru}",
  };
  for (const std::string& body : bad) {
    BOOST_TEST_CONTEXT(body) {
      auto r = ParseObject(body);
      BOOST_TEST(!r.ok());
      if (!r.ok()) BOOST_TEST(r.status().error() == "invalid_json");
    }
  }
  // Escapes decode to valid UTF-8; a surrogate pair is one character.
  auto ok = ParseObject("{\"a\": \"\\ud83d\\ude00 \\u20ac \\u0000\"}");
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(ok.value().value["a"].asString() == "\xF0\x9F\x98\x80 \xE2\x82\xAC "s + '\0');
}

BOOST_AUTO_TEST_CASE(nesting_stops_at_32_levels) {
  auto nested = [](int depth) {
    std::string s = "{\"a\":";
    for (int i = 1; i < depth; ++i) s += "[";
    s += "1";
    for (int i = 1; i < depth; ++i) s += "]";
    return s + "}";
  };
  BOOST_TEST(ParseObject(nested(32)).ok());
  for (int depth : {33, 64, 100000}) {
    BOOST_TEST_CONTEXT(depth) {
      auto r = ParseObject(nested(depth));
      BOOST_TEST(!r.ok());
      if (!r.ok()) BOOST_TEST(r.status().error() == "invalid_json");
    }
  }
}

BOOST_AUTO_TEST_CASE(lengths_count_characters) {
  std::string euros;
  for (int i = 0; i < 255; ++i) euros += "\xE2\x82\xAC";  // 255 characters, 765 bytes
  auto obj = ParseObject("{\"name\": \"" + euros + "\", \"long\": \"" + euros + "x\"}");
  BOOST_REQUIRE(obj.ok());
  FieldChecker check(obj.value());
  BOOST_TEST(check.String("name", 1, 255).has_value());
  BOOST_TEST(!check.String("long", 1, 255).has_value());
}

BOOST_AUTO_TEST_CASE(integers_must_be_json_integers_in_range) {
  struct Case {
    const char* body;
    bool valid;
  };
  const Case cases[] = {
      {"{\"q\": 1}", true},        {"{\"q\": 1000000}", true},   {"{\"q\": 0}", false},
      {"{\"q\": 1000001}", false}, {"{\"q\": -1}", false},       {"{\"q\": \"2\"}", false},
      {"{\"q\": 2.5}", false},     {"{\"q\": 2.0}", false},      {"{\"q\": true}", false},
      {"{\"q\": null}", false},    {"{}", false},                {"{\"q\": [2]}", false},
      {"{\"q\": 1e3}", false},     {"{\"q\": 18446744073709551615}", false},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.body) {
      auto obj = ParseObject(c.body);
      BOOST_REQUIRE(obj.ok());
      FieldChecker check(obj.value());
      auto q = check.Integer("q", 1, 1000000);
      BOOST_TEST(q.has_value() == c.valid);
      BOOST_TEST(check.Result().ok() == c.valid);
      if (!c.valid) {
        BOOST_TEST(check.Result().error() == "validation_failed");
        BOOST_TEST(check.Result().fields().size() == 1u);
        BOOST_TEST(check.Result().fields()[0].first == "q");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_failed_field_is_reported) {
  auto obj = ParseObject("{\"product_id\": \"1\", \"quantity\": 0}");
  BOOST_REQUIRE(obj.ok());
  FieldChecker check(obj.value());
  check.Integer("product_id", 1, INT64_MAX);
  check.Integer("quantity", 1, 1000000);
  BOOST_TEST(check.Result().fields().size() == 2u);
}

BOOST_AUTO_TEST_CASE(money_has_at_most_two_decimals) {
  struct Case {
    const char* body;
    int64_t cents;  // -1 = invalid
  };
  const Case cases[] = {
      {"{\"p\": 59.90}", 5990}, {"{\"p\": 59.9}", 5990},  {"{\"p\": 100}", 10000},
      {"{\"p\": 0.01}", 1},     {"{\"p\": 0.1}", 10},     {"{\"p\": 99.99}", 9999},
      {"{\"p\": 1.005}", -1},   {"{\"p\": 59.999}", -1},  {"{\"p\": \"59.90\"}", -1},
      {"{\"p\": -1}", -1},      {"{\"p\": true}", -1},    {"{\"p\": 1000000.01}", -1},
      {"{\"p\": 1000.001}", -1}, {"{\"p\": 999999.995}", -1}, {"{\"p\": 1e-400}", -1},
      {"{\"p\": 1e2}", 10000},  {"{\"p\": 59.900}", 5990}, {"{\"p\": 1000000.00}", 100000000},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.body) {
      auto obj = ParseObject(c.body);
      BOOST_REQUIRE(obj.ok());
      FieldChecker check(obj.value());
      auto cents = check.Money("p", 0, 100000000);
      if (c.cents < 0) {
        BOOST_TEST(!cents.has_value());
      } else {
        BOOST_REQUIRE(cents.has_value());
        BOOST_TEST(*cents == c.cents);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(optional_fields_may_be_absent_but_not_null) {
  auto obj = ParseObject("{\"stock\": null}");
  BOOST_REQUIRE(obj.ok());
  FieldChecker check(obj.value());
  BOOST_TEST(!check.Integer("stock", 0, 10, /*required=*/false).has_value());
  BOOST_TEST(!check.String("name", 1, 10, /*required=*/false).has_value());  // absent: fine
  BOOST_TEST(check.Result().fields().size() == 1u);
  BOOST_TEST(check.Result().fields()[0].first == "stock");
}

BOOST_AUTO_TEST_CASE(nullable_integers_tell_absent_null_and_a_value_apart) {
  struct Case {
    const char* body;
    bool present;                  // outer optional set
    std::optional<int64_t> value;  // inner
    bool valid;
  };
  const Case cases[] = {
      {"{}", false, std::nullopt, true},
      {"{\"m\": null}", true, std::nullopt, true},
      {"{\"m\": 1}", true, 1, true},
      {"{\"m\": 1000000000}", true, 1000000000, true},
      {"{\"m\": 0}", false, std::nullopt, false},
      {"{\"m\": -3}", false, std::nullopt, false},
      {"{\"m\": 1000000001}", false, std::nullopt, false},
      {"{\"m\": \"2\"}", false, std::nullopt, false},
      {"{\"m\": 2.5}", false, std::nullopt, false},
      {"{\"m\": true}", false, std::nullopt, false},
      {"{\"m\": [2]}", false, std::nullopt, false},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.body) {
      auto obj = ParseObject(c.body);
      BOOST_REQUIRE(obj.ok());
      FieldChecker check(obj.value());
      auto m = check.NullableInteger("m", 1, 1000000000);
      BOOST_TEST(m.has_value() == c.present);
      if (m) BOOST_TEST((*m == c.value));
      BOOST_TEST(check.Result().ok() == c.valid);
      if (!c.valid) BOOST_TEST(check.Result().fields()[0].first == "m");
    }
  }
}

BOOST_AUTO_TEST_CASE(optional_strings_treat_null_as_absent) {
  std::string long_id(256, 'x');
  auto obj = ParseObject("{\"a\": \"cust-1\", \"b\": null, \"c\": \"\", \"d\": 5, \"e\": \"" +
                         long_id + "\", \"f\": \"\xE2\x82\xAC \"}");
  BOOST_REQUIRE(obj.ok());
  FieldChecker check(obj.value());
  BOOST_TEST(check.OptionalString("a", 1, 255).value_or("") == "cust-1");
  BOOST_TEST(!check.OptionalString("b", 1, 255).has_value());
  BOOST_TEST(!check.OptionalString("missing", 1, 255).has_value());
  BOOST_TEST(check.Result().ok());
  BOOST_TEST(check.OptionalString("f", 1, 2).value_or("") == "\xE2\x82\xAC ");  // 2 characters
  BOOST_TEST(!check.OptionalString("c", 1, 255).has_value());  // empty
  BOOST_TEST(!check.OptionalString("d", 1, 255).has_value());  // not a string
  BOOST_TEST(!check.OptionalString("e", 1, 255).has_value());  // 256 characters
  BOOST_TEST(check.Result().fields().size() == 3u);
}

BOOST_AUTO_TEST_CASE(strings_and_enums) {
  auto obj = ParseObject("{\"k\": \"\", \"s\": \"success\", \"t\": \"other\", \"n\": 5}");
  BOOST_REQUIRE(obj.ok());
  FieldChecker check(obj.value());
  BOOST_TEST(!check.String("k", 1, 255).has_value());
  BOOST_TEST(!check.String("n", 1, 255).has_value());
  BOOST_TEST(check.OneOf("s", {"success", "failed"}).value() == "success");
  BOOST_TEST(!check.OneOf("t", {"success", "failed"}).has_value());
  BOOST_TEST(check.Result().fields().size() == 3u);
}

BOOST_AUTO_TEST_CASE(query_integers) {
  BOOST_TEST(ParseQueryInt("100", 1, 1000).value() == 100);
  BOOST_TEST(!ParseQueryInt("0", 1, 1000));
  BOOST_TEST(!ParseQueryInt("1001", 1, 1000));
  BOOST_TEST(!ParseQueryInt("", 1, 1000));
  BOOST_TEST(!ParseQueryInt("1x", 1, 1000));
  BOOST_TEST(!ParseQueryInt("-5", 0, 1000));
  BOOST_TEST(!ParseQueryInt("99999999999999999999", 0, INT64_MAX));
}

BOOST_AUTO_TEST_SUITE_END()
