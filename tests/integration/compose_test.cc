// docker-compose.yml: a valid compose file with safe defaults (`docker-compose config`, which
// interpolates the environment exactly as `up` would). Skipped when the file or the
// docker-compose command does not exist. `--env-file` with an empty file: a developer's .env next to the
// file must not change what is checked.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

boost::test_tools::assertion_result ComposeAvailable(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result result(true);
  if (!std::filesystem::exists(Stack().repo_root() + "/docker-compose.yml")) {
    result = false;
    result.message() << "docker-compose.yml does not exist yet";
    return result;
  }
  if (::access("/usr/bin/docker-compose", X_OK) != 0 &&
      ::access("/usr/local/bin/docker-compose", X_OK) != 0) {
    result = false;
    result.message() << "docker-compose is not installed";
  }
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(compose)

const EnvOverrides kSecrets = {{"FLASHSALE_DB_PASSWORD", "compose-test-db-password"},
                               {"FLASHSALE_WEBHOOK_SECRET", "compose-test-webhook-secret"},
                               {"FLASHSALE_ADMIN_TOKEN", "compose-test-admin-token"}};

// `env` on top of an environment without any variable the compose file reads (the test stack's
// own FLASHSALE_HTTP_PORT, FLASHSALE_WEBHOOK_SECRET... would otherwise be seen).
CommandResult ComposeConfig(const EnvOverrides& env) {
  EnvOverrides all;
  for (const char* name : {"FLASHSALE_DB_PASSWORD", "FLASHSALE_WEBHOOK_SECRET", "FLASHSALE_ADMIN_TOKEN",
                           "FLASHSALE_HTTP_PORT", "FLASHSALE_HTTP_BIND", "FLASHSALE_SEED"}) {
    all[name] = kUnset;
  }
  for (const auto& [name, value] : env) all[name] = value;
  std::string empty_env = Stack().var_dir() + "/compose-empty.env";
  std::ofstream{empty_env};  // compose wants a regular file
  return Stack().Run({"docker-compose", "--env-file", empty_env, "-f", "docker-compose.yml", "config"}, all);
}

// The block of service `name` in `docker-compose config` output (services are indented by two
// spaces, their keys by four), "" when absent.
std::string ServiceBlock(const std::string& config, const std::string& name) {
  size_t start = config.find("\n  " + name + ":\n");
  if (start == std::string::npos) return "";
  size_t end = start + 1;
  for (;;) {
    end = config.find('\n', end);
    if (end == std::string::npos || end + 2 >= config.size()) return config.substr(start);
    if (config[end + 1] != ' ' || config[end + 3] != ' ') return config.substr(start, end - start);
    ++end;
  }
}

BOOST_AUTO_TEST_CASE(compose_file_is_valid, *boost::unit_test::precondition(ComposeAvailable)) {
  CommandResult r = ComposeConfig(kSecrets);
  BOOST_TEST(r.exit_code == 0, "docker-compose config failed:\n" << r.output);
}

// No secret has a default: without them compose refuses to start and names what is missing.
BOOST_AUTO_TEST_CASE(compose_refuses_to_start_without_secrets,
                     *boost::unit_test::precondition(ComposeAvailable)) {
  for (const auto& [name, value] : kSecrets) {
    EnvOverrides env = kSecrets;
    env.erase(name);
    CommandResult r = ComposeConfig(env);
    BOOST_TEST(r.exit_code != 0, "compose accepted a missing " << name << ":\n" << r.output);
    BOOST_TEST(r.output.find(name) != std::string::npos, r.output);
  }
}

BOOST_AUTO_TEST_CASE(compose_defaults_are_safe, *boost::unit_test::precondition(ComposeAvailable)) {
  CommandResult r = ComposeConfig(kSecrets);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::string& config = r.output;
  // Nothing of the local stack's development secrets, and the ones given are used.
  BOOST_TEST(config.find("local-dev") == std::string::npos, config);
  BOOST_TEST(config.find("compose-test-webhook-secret") != std::string::npos);
  // Published on loopback only.
  std::string nginx = ServiceBlock(config, "nginx");
  BOOST_TEST(nginx.find("127.0.0.1:8080:80") != std::string::npos, nginx);
  for (const char* service : {"mariadb", "redis", "migrate", "app", "cron", "nginx"}) {
    std::string block = ServiceBlock(config, service);
    BOOST_TEST_CONTEXT(service) {
      BOOST_TEST(!block.empty());
      BOOST_TEST((std::string(service) == "migrate" || block.find("healthcheck:") != std::string::npos),
                 "no healthcheck:\n" << block);
      // Only nginx publishes a port.
      BOOST_TEST((std::string(service) == "nginx" || block.find("ports:") == std::string::npos), block);
    }
  }
  // The demo product only on request.
  BOOST_TEST(ServiceBlock(config, "migrate").find("FLASHSALE_SEED: '0'") != std::string::npos,
             ServiceBlock(config, "migrate"));
  EnvOverrides seeded = kSecrets;
  seeded["FLASHSALE_SEED"] = "1";
  CommandResult s = ComposeConfig(seeded);
  BOOST_TEST(ServiceBlock(s.output, "migrate").find("FLASHSALE_SEED: '1'") != std::string::npos, s.output);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
