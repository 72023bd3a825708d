// The pool's settings: the php-fpm-like keys as values, and CheckPoolSettings, which refuses a
// pool whose pm settings do not fit together or whose time budget does not nest inside nginx's
// timeout (util/config.h).
#include <boost/test/unit_test.hpp>

#include "util/config.h"
#include "util/config_check.h"

using flashsale::util::CheckPoolSettings;
using flashsale::util::Config;
using flashsale::util::ParseConfig;

namespace {

Config Parse(const std::string& text) {
  auto c = ParseConfig(text, {});
  BOOST_REQUIRE_MESSAGE(c.ok(), text << ": " << c.status().message());
  return c.value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_config)

BOOST_AUTO_TEST_CASE(defaults_fit_together) {
  Config c = Parse("");
  BOOST_TEST(c.pm == "static");
  BOOST_TEST(c.listen_mode == 0660);
  BOOST_TEST(c.request_terminate_timeout == 25);
  BOOST_TEST(c.db_lock_wait_timeout == 5);
  BOOST_TEST(c.fastcgi_read_timeout == 30);
  BOOST_TEST(CheckPoolSettings(c).ok(), CheckPoolSettings(c).message());
}

BOOST_AUTO_TEST_CASE(values_are_read_strictly) {
  Config c = Parse("pm = ondemand\nlisten_mode = 0600\nlisten_allowed_clients = 127.0.0.1, 10.0.0.2\n"
                   "pm_max_requests = 500\nlisten_group = www-data\npid_file = run/fcgi-master.pid\n");
  BOOST_TEST(c.pm == "ondemand");
  BOOST_TEST(c.listen_mode == 0600);
  BOOST_TEST(c.listen_allowed_clients == "127.0.0.1, 10.0.0.2");
  BOOST_TEST(c.pm_max_requests == 500);
  BOOST_TEST(c.listen_group == "www-data");
  BOOST_TEST(Parse("listen_mode = 660\n").listen_mode == 0660);
  for (const char* bad : {"pm = Static\n", "pm = fixed\n", "listen_mode = 0668\n", "listen_mode = 1777\n",
                          "listen_mode =\n", "listen_allowed_clients = localhost\n",
                          "listen_allowed_clients = 127.0.0.1,\n", "listen_allowed_clients = ::1\n",
                          "request_terminate_timeout = -1\n", "db_lock_wait_timeout = 0\n",
                          "pm_min_spare_servers = 0\n", "fastcgi_read_timeout = 0\n"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!ParseConfig(bad, {}).ok()); }
  }
  auto env = ParseConfig("", {{"FLASHSALE_PM", "dynamic"}, {"FLASHSALE_LISTEN_MODE", "0666"}});
  BOOST_REQUIRE(env.ok());
  BOOST_TEST(env->pm == "dynamic");
  BOOST_TEST(env->listen_mode == 0666);
}

// Debian's MariaDB waits 50 s for a row lock: with 4 attempts that is 200 s, far past nginx's 30.
BOOST_AUTO_TEST_CASE(a_retry_budget_past_the_terminate_timeout_is_refused) {
  Config c = Parse("db_lock_wait_timeout = 50\n");
  auto s = CheckPoolSettings(c);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("db_lock_wait_timeout") != std::string::npos, s.message());
  BOOST_TEST(s.message().find("request_terminate_timeout (25 s)") != std::string::npos, s.message());
  // 4 x 5 + 2 = 22 fits in 25; 4 x 6 + 2 = 26 does not.
  BOOST_TEST(CheckPoolSettings(Parse("db_lock_wait_timeout = 5\n")).ok());
  BOOST_TEST(!CheckPoolSettings(Parse("db_lock_wait_timeout = 6\n")).ok());
  BOOST_TEST(CheckPoolSettings(Parse("db_lock_wait_timeout = 6\ndb_retry_attempts = 3\n")).ok());
}

BOOST_AUTO_TEST_CASE(a_terminate_timeout_past_nginx_is_refused) {
  auto s = CheckPoolSettings(Parse("request_terminate_timeout = 29\n"));
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("fastcgi_read_timeout (30 s") != std::string::npos, s.message());
  BOOST_TEST(CheckPoolSettings(Parse("request_terminate_timeout = 28\n")).ok());
  BOOST_TEST(CheckPoolSettings(Parse("request_terminate_timeout = 40\nfastcgi_read_timeout = 42\n")).ok());
  // Without a terminate timeout the retries must fit in nginx's timeout itself.
  BOOST_TEST(CheckPoolSettings(Parse("request_terminate_timeout = 0\ndb_lock_wait_timeout = 6\n")).ok());
  BOOST_TEST(!CheckPoolSettings(Parse("request_terminate_timeout = 0\ndb_lock_wait_timeout = 7\n")).ok());
}

BOOST_AUTO_TEST_CASE(dynamic_spares_must_fit_the_pool) {
  BOOST_TEST(CheckPoolSettings(Parse("pm = dynamic\nworkers = 6\n")).ok());
  BOOST_TEST(Parse("pm = dynamic\n").EffectiveStartServers() == 2);  // 1 + (3 - 1) / 2
  BOOST_TEST(!CheckPoolSettings(Parse("pm = dynamic\nworkers = 2\n")).ok());  // max_spare 3 > 2
  BOOST_TEST(!CheckPoolSettings(Parse("pm = dynamic\npm_min_spare_servers = 4\n"
                                      "pm_max_spare_servers = 3\nworkers = 6\n")).ok());
  BOOST_TEST(!CheckPoolSettings(Parse("pm = dynamic\npm_start_servers = 5\nworkers = 6\n")).ok());
  // Only dynamic looks at the spares.
  BOOST_TEST(CheckPoolSettings(Parse("pm = static\nworkers = 2\n")).ok());
  BOOST_TEST(CheckPoolSettings(Parse("pm = ondemand\nworkers = 2\n")).ok());
}

BOOST_AUTO_TEST_SUITE_END()
