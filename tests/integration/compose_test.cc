// docker-compose.yml is a valid compose file (`docker-compose config -q`). Skipped when the
// file or the docker-compose command does not exist.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

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

BOOST_AUTO_TEST_CASE(compose_file_is_valid, *boost::unit_test::precondition(ComposeAvailable)) {
  CommandResult r = Stack().Run({"docker-compose", "-f", "docker-compose.yml", "config", "-q"});
  BOOST_TEST(r.exit_code == 0, "docker-compose config -q failed:\n" << r.output);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
