// The config file's syntax (quotes, comments), relative paths, and what the pool refuses.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/config.h"
#include "util/config_check.h"
#include "util/config_line.h"

using flashsale::util::CheckPoolConfig;
using flashsale::util::Config;
using flashsale::util::LoadConfig;
using flashsale::util::ParseConfig;
using flashsale::util::ParseConfigLine;

namespace {

std::string ValueOf(const std::string& line) {
  auto r = ParseConfigLine(line);
  BOOST_REQUIRE_MESSAGE(r.ok(), line << ": " << r.status().message());
  BOOST_REQUIRE_MESSAGE(r.value().has_value(), line << ": no key = value");
  return r.value()->value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_file)

BOOST_AUTO_TEST_CASE(hash_starts_a_comment_only_after_a_blank) {
  BOOST_TEST(ValueOf("db_password = ab#cd") == "ab#cd");
  BOOST_TEST(ValueOf("db_password = ab #cd") == "ab");
  BOOST_TEST(ValueOf("db_password = ab\t# note") == "ab");
  BOOST_TEST(ValueOf("db_password = # nothing") == "");
  BOOST_TEST(ValueOf("db_password =") == "");
  BOOST_TEST(ValueOf("  workers =   4   ") == "4");
  BOOST_TEST(!ParseConfigLine("# workers = 4").value().has_value());
  BOOST_TEST(!ParseConfigLine("   ").value().has_value());
}

BOOST_AUTO_TEST_CASE(quoted_values_keep_blanks_and_hashes) {
  BOOST_TEST(ValueOf(R"(db_password = "  a # b  ")") == "  a # b  ");
  BOOST_TEST(ValueOf(R"(db_password = "say \"hi\" \\ \n")") == R"(say "hi" \ \n)");
  BOOST_TEST(ValueOf(R"(db_password = 'a\b\"')") == R"(a\b\")");  // single quotes: no escapes
  BOOST_TEST(ValueOf(R"(db_password = 'a"b' # note)") == R"(a"b)");
  BOOST_TEST(ValueOf(R"(db_password = "")") == "");
  for (const char* bad : {R"(db_password = "open)", R"(db_password = 'open)", R"(db_password = "a" b)",
                          "= value", "no equals sign"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!ParseConfigLine(bad).ok()); }
  }
}

BOOST_AUTO_TEST_CASE(the_file_parser_uses_the_line_rules_and_the_environment_is_literal) {
  auto c = ParseConfig("db_password = ab#cd\nadmin_token = \"t # x\"\n",
                       {{"FLASHSALE_WEBHOOK_SECRET", "\"quoted\""}});
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->db_password == "ab#cd");
  BOOST_TEST(c->admin_token == "t # x");
  BOOST_TEST(c->webhook_secret == "\"quoted\"");
  auto bad = ParseConfig("workers = 2\ndb_password = \"open\n", {});
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.status().message().find("line 2") != std::string::npos, bad.status().message());
}

BOOST_AUTO_TEST_CASE(relative_paths_are_relative_to_the_file_not_the_working_directory) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("flashsale-config-" + std::to_string(::getpid()));
  fs::create_directories(dir / "etc");
  {
    std::ofstream(dir / "etc/flashsale.conf") << "var_dir = ../var\nsql_dir = ../share/sql\n"
                                                 "log_config = log.properties\n";
  }
  fs::path cwd = fs::current_path();
  fs::current_path("/");
  auto c = LoadConfig((dir / "etc/flashsale.conf").string());
  fs::current_path(cwd);
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().message());
  BOOST_TEST(c->var_dir == (dir / "var").string());
  BOOST_TEST(c->sql_dir == (dir / "share/sql").string());
  BOOST_TEST(c->log_config == (dir / "etc/log.properties").string());
  BOOST_TEST(c->VarPath("run/fcgi.sock") == (dir / "var/run/fcgi.sock").string());

  {
    std::ofstream(dir / "etc/flashsale.conf") << "sql_dir = /opt/sql\n";
  }
  c = LoadConfig((dir / "etc/flashsale.conf").string());
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->sql_dir == "/opt/sql");
  fs::remove_all(dir);

  auto missing = LoadConfig((dir / "nope.conf").string());
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.status().message().find("No such file") != std::string::npos, missing.status().message());
}

BOOST_AUTO_TEST_CASE(the_pool_refuses_no_secret_and_the_development_secrets) {
  Config c;
  c.webhook_secret = "real-secret";
  c.admin_token = "real-token";
  c.db_password = "real-password";
  BOOST_TEST(CheckPoolConfig(c).ok());

  Config unsigned_ok = c;
  unsigned_ok.webhook_secret.clear();
  BOOST_TEST(!CheckPoolConfig(unsigned_ok).ok());
  unsigned_ok.webhook_allow_unsigned = true;
  BOOST_TEST(CheckPoolConfig(unsigned_ok).ok());

  for (auto [field, value] : {std::pair{&Config::webhook_secret, "local-dev-webhook-secret"},
                              {&Config::webhook_secret_previous, "local-dev-webhook-secret"},
                              {&Config::admin_token, "local-dev-admin-token"},
                              {&Config::db_password, "flashsale"}}) {
    Config dev = c;
    dev.*field = value;
    BOOST_TEST_CONTEXT(value) {
      BOOST_TEST(!CheckPoolConfig(dev).ok());
      dev.allow_development_secrets = true;  // the local stack
      BOOST_TEST(CheckPoolConfig(dev).ok());
    }
  }
  // The file as shipped is the local stack's: refused anywhere else. (Unit tests run from the
  // repository root; no environment: the caller's may come from a local stack.)
  std::ifstream in("conf/flashsale.conf");
  BOOST_REQUIRE_MESSAGE(in, "run from the repository root");
  std::stringstream text;
  text << in.rdbuf();
  auto shipped = ParseConfig(text.str(), {});
  BOOST_REQUIRE_MESSAGE(shipped.ok(), shipped.status().message());
  BOOST_TEST(!CheckPoolConfig(shipped.value()).ok());
}

BOOST_AUTO_TEST_CASE(booleans) {
  for (const char* yes : {"true", "yes", "on", "1"}) {
    BOOST_TEST(ParseConfig(std::string("webhook_allow_unsigned = ") + yes + "\n", {})->webhook_allow_unsigned);
  }
  for (const char* no : {"false", "no", "off", "0"}) {
    BOOST_TEST(!ParseConfig(std::string("webhook_allow_unsigned = ") + no + "\n", {})->webhook_allow_unsigned);
  }
  BOOST_TEST(!ParseConfig("webhook_allow_unsigned = maybe\n", {}).ok());
}

BOOST_AUTO_TEST_SUITE_END()
