// The binaries' command line and start-up checks, against the stack's MariaDB and Redis:
// --help / --version / -t / unknown arguments, paths independent of the working directory, and
// the pool refusing the development secrets or a missing webhook secret.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "../support/api.h"
#include "../support/http_client.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

const std::vector<std::string> kBinaries = {"flashsale-fcgi", "flashsale-migrate", "flashsale-release-expired"};

std::string Bin(const std::string& name) { return Stack().repo_root() + "/build/bin/" + name; }

// Runs `command` with /bin/sh from `/`, so nothing can depend on the repository being the
// working directory.
CommandResult RunFromRoot(const std::string& command, const EnvOverrides& env = {}) {
  return Stack().Run({"/bin/sh", "-c", "cd / && " + command}, env);
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(binaries)

BOOST_AUTO_TEST_CASE(help_version_and_unknown_arguments) {
  for (const std::string& b : kBinaries) {
    BOOST_TEST_CONTEXT(b) {
      CommandResult help = Stack().Run({Bin(b), "--help"});
      BOOST_TEST(help.exit_code == 0);
      BOOST_TEST(Contains(help.output, "usage: " + b), help.output);
      BOOST_TEST(Contains(help.output, "--test-config"), help.output);
      CommandResult version = Stack().Run({Bin(b), "-V"});
      BOOST_TEST(version.exit_code == 0);
      BOOST_TEST(version.output.rfind(b + " ", 0) == 0, version.output);
      // A mistyped option is refused before anything starts (a pool would start otherwise).
      for (const char* bad : {"--bogus", "start", "-c"}) {
        CommandResult r = Stack().Run({Bin(b), bad});
        BOOST_TEST(r.exit_code == 2, bad << ": " << r.output);
        BOOST_TEST(Contains(r.output, "usage: "), r.output);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(test_config_checks_the_file_and_the_connections) {
  const std::string conf = Stack().repo_root() + "/conf/flashsale.conf";
  for (const std::string& b : kBinaries) {
    BOOST_TEST_CONTEXT(b) {
      CommandResult ok = RunFromRoot(Bin(b) + " -t -c " + conf);
      BOOST_TEST(ok.exit_code == 0, ok.output);
      BOOST_TEST(Contains(ok.output, "MariaDB at " + Stack().mysql_socket()), ok.output);
      BOOST_TEST(Contains(ok.output, "test is successful"), ok.output);
      // Nothing listens where the stack is not: the test fails and says what.
      CommandResult down = RunFromRoot(Bin(b) + " --test-config --config " + conf,
                                       {{"FLASHSALE_VAR_DIR", Stack().var_dir() + "/nowhere"}});
      BOOST_TEST(down.exit_code == 1, down.output);
      BOOST_TEST(Contains(down.output, "MariaDB at"), down.output);
      BOOST_TEST(Contains(down.output, "FAILED"), down.output);
      BOOST_TEST(Contains(down.output, "test failed"), down.output);
      // A config file that does not parse.
      CommandResult missing = RunFromRoot(Bin(b) + " -t -c /nonexistent/flashsale.conf");
      BOOST_TEST(missing.exit_code != 0);
      BOOST_TEST(Contains(missing.output, "cannot read /nonexistent/flashsale.conf"), missing.output);
    }
  }
  // -t starts nothing: the stack's pool is the only one (its socket still answers).
  Api api;
  BOOST_TEST(api.http().Get("/api/health").status == 200);
}

// sql_dir = ../sql in conf/flashsale.conf is relative to the file: migrate finds the migrations
// from any working directory.
BOOST_AUTO_TEST_CASE(relative_paths_do_not_depend_on_the_working_directory) {
  CommandResult r = RunFromRoot(Bin("flashsale-migrate") + " -c " + Stack().repo_root() + "/conf/flashsale.conf");
  BOOST_TEST(r.exit_code == 0, r.output);
  BOOST_TEST(Contains(r.output, "0 migration(s) applied"), r.output);
}

// A log config that cannot be read stops every binary with the reason (it used to switch to bare
// lines on stderr silently, and a pool under systemd then logged nowhere anyone looked).
BOOST_AUTO_TEST_CASE(an_unreadable_log_config_is_an_error) {
  const std::string conf = Stack().repo_root() + "/conf/flashsale.conf";
  const EnvOverrides env = {{"FLASHSALE_LOG_CONFIG", "/nonexistent/log4cplus.properties"}};
  for (const std::string& b : kBinaries) {
    BOOST_TEST_CONTEXT(b) {
      CommandResult r = RunFromRoot(Bin(b) + " -t -c " + conf, env);
      BOOST_TEST(r.exit_code != 0, r.output);
      BOOST_TEST(Contains(r.output, "log config /nonexistent/log4cplus.properties"), r.output);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_pool_refuses_the_development_secrets_outside_the_local_stack) {
  const std::string conf = Stack().repo_root() + "/conf/flashsale.conf";
  // conf/flashsale.conf as shipped, without the local stack's permission.
  CommandResult r = RunFromRoot(Bin("flashsale-fcgi") + " -t -c " + conf,
                                {{"FLASHSALE_ALLOW_DEVELOPMENT_SECRETS", kUnset},
                                 {"FLASHSALE_WEBHOOK_SECRET", kUnset},
                                 {"FLASHSALE_ADMIN_TOKEN", kUnset}});
  BOOST_TEST(r.exit_code == 2, r.output);
  BOOST_TEST(Contains(r.output, "development value of webhook_secret admin_token db_password"), r.output);
  // Its own secrets, but no webhook secret: refused unless unsigned webhooks are asked for.
  EnvOverrides own = {{"FLASHSALE_ALLOW_DEVELOPMENT_SECRETS", "true"}, {"FLASHSALE_WEBHOOK_SECRET", ""}};
  r = RunFromRoot(Bin("flashsale-fcgi") + " -t -c " + conf, own);
  BOOST_TEST(r.exit_code == 2, r.output);
  BOOST_TEST(Contains(r.output, "webhook_allow_unsigned"), r.output);
  own["FLASHSALE_WEBHOOK_ALLOW_UNSIGNED"] = "true";
  r = RunFromRoot(Bin("flashsale-fcgi") + " -t -c " + conf, own);
  BOOST_TEST(r.exit_code == 0, r.output);
}

// webhook_allow_unsigned = true: an unsigned webhook is accepted, and logged as such each time.
BOOST_AUTO_TEST_CASE(unsigned_webhooks_only_when_allowed_and_always_logged) {
  struct Restore {
    ~Restore() {
      try {
        Stack().RestartPool({});
      } catch (const std::exception& e) {
        BOOST_TEST_MESSAGE("could not restore the pool: " << e.what());
      }
    }
  } restore;
  Stack().RestartPool({{"FLASHSALE_WEBHOOK_SECRET", ""}, {"FLASHSALE_WEBHOOK_SECRET_PREVIOUS", ""},
                       {"FLASHSALE_WEBHOOK_ALLOW_UNSIGNED", "true"}});
  Api api;
  HttpResponse r = api.http().Post("/api/payments/webhook",
                                   R"({"idempotency_key":"unsigned-1","order_id":987654321,"status":"success"})",
                                   {{"Content-Type", "application/json"}});
  BOOST_TEST(r.status == 202, r.body);
  BOOST_TEST(Contains(Stack().LogTail("flashsale.log", 50), "payment webhook accepted WITHOUT a signature"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
