#include "util/config.h"

#include <boost/test/unit_test.hpp>

using flashsale::util::ParseConfig;

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(file_values_then_environment_overrides) {
  auto c = ParseConfig(
      "# comment\n"
      "hold_ttl_seconds = 30   # trailing comment\n"
      "webhook_secret = s3cret\n"
      "\n"
      "db_socket =\n",
      {{"FLASHSALE_HOLD_TTL_SECONDS", "7"}, {"FLASHSALE_ADMIN_TOKEN", "tok"},
       {"FLASHSALE_HTTP_PORT", "9090"}, {"FLASHSALE_UNRELATED", "x"}});
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->hold_ttl_seconds == 7);
  BOOST_TEST(c->webhook_secret == "s3cret");
  BOOST_TEST(c->admin_token == "tok");
  BOOST_TEST(c->http_port == 9090);
  BOOST_TEST(c->db_socket.empty());
  BOOST_TEST(c->webhook_tolerance_seconds == 300);  // default
  BOOST_TEST(c->order_ttl_seconds == 900);          // default payment window
}

BOOST_AUTO_TEST_CASE(order_ttl_from_file_and_environment) {
  auto c = ParseConfig("order_ttl_seconds = 600\n", {});
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->order_ttl_seconds == 600);
  c = ParseConfig("order_ttl_seconds = 600\n", {{"FLASHSALE_ORDER_TTL_SECONDS", "2"}});
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->order_ttl_seconds == 2);
  for (const char* bad : {"0", "-5", "2.5", "x", "2592001"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(!ParseConfig("", {{"FLASHSALE_ORDER_TTL_SECONDS", bad}}).ok());
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_input_is_rejected) {
  const char* bad[] = {"unknown_key = 1\n", "hold_ttl_seconds = abc\n", "hold_ttl_seconds = 0\n",
                       "http_port = 70000\n", "just a line\n", "workers = -1\n"};
  for (const char* text : bad) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(!ParseConfig(text, {}).ok()); }
  }
  BOOST_TEST(!ParseConfig("", {{"FLASHSALE_WORKERS", "many"}}).ok());
}

BOOST_AUTO_TEST_CASE(paths_resolve_against_var_dir) {
  auto c = ParseConfig("var_dir = /srv/fs\n", {});
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->VarPath("run/fcgi.sock") == "/srv/fs/run/fcgi.sock");
  BOOST_TEST(c->VarPath("/run/flashsale/fcgi.sock") == "/run/flashsale/fcgi.sock");
  BOOST_TEST(c->VarPath("127.0.0.1:9000") == "127.0.0.1:9000");
  BOOST_TEST(c->VarPath(":9000") == ":9000");
}

BOOST_AUTO_TEST_SUITE_END()
