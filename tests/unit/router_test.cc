#include "http/router.h"

#include <boost/test/unit_test.hpp>

using flashsale::Code;
using flashsale::http::ParsePathId;
using flashsale::http::Router;

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(path_ids_accept_only_positive_canonical_int64) {
  struct Case {
    const char* text;
    bool valid;
  };
  const Case cases[] = {
      {"1", true},           {"42", true},  {"9223372036854775807", true},
      {"0", false},          {"01", false}, {"-1", false},
      {"+1", false},         {"1a", false}, {"abc", false},
      {"", false},           {" 1", false}, {"9223372036854775808", false},
      {"99999999999999999999", false},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.text) { BOOST_TEST(ParsePathId(c.text).has_value() == c.valid); }
  }
  BOOST_TEST(*ParsePathId("9223372036854775807") == INT64_MAX);
}

BOOST_AUTO_TEST_CASE(resolves_method_and_pattern) {
  Router<int> r;
  r.Add("GET", "/api/products/{id}", 1);
  r.Add("POST", "/api/holds", 2);
  r.Add("GET", "/api/holds/{id}", 3);
  r.Add("DELETE", "/api/holds/{id}", 4);

  auto m = r.Resolve("GET", "/api/products/7");
  BOOST_REQUIRE(m.handler != nullptr);
  BOOST_TEST(*m.handler == 1);
  BOOST_TEST(m.ids.size() == 1u);
  BOOST_TEST(m.ids[0] == 7);

  m = r.Resolve("DELETE", "/api/holds/9");
  BOOST_REQUIRE(m.handler != nullptr);
  BOOST_TEST(*m.handler == 4);
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404_wrong_method_is_405_with_allow) {
  Router<int> r;
  r.Add("GET", "/api/holds/{id}", 3);
  r.Add("DELETE", "/api/holds/{id}", 4);
  r.Add("POST", "/api/holds", 2);

  struct Case {
    const char* method;
    const char* path;
    Code code;
    const char* allow;
  };
  const Case cases[] = {
      {"GET", "/api/nothing", Code::kNotFound, ""},
      {"GET", "/api/holds/1/extra", Code::kNotFound, ""},
      {"GET", "/api/holds/", Code::kNotFound, ""},
      {"GET", "/api/holds/0", Code::kNotFound, ""},
      {"GET", "/api/holds/abc", Code::kNotFound, ""},
      {"PUT", "/api/holds/1", Code::kMethodNotAllowed, "GET, DELETE"},
      {"GET", "/api/holds", Code::kMethodNotAllowed, "POST"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.method << " " << c.path) {
      auto m = r.Resolve(c.method, c.path);
      BOOST_TEST(m.handler == nullptr);
      BOOST_TEST(static_cast<int>(m.error.code()) == static_cast<int>(c.code));
      BOOST_TEST(m.allow == c.allow);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
