// The shared command line (util/cli.h): options, the binary's switches, refusals.
#include <boost/test/unit_test.hpp>
#include <initializer_list>
#include <string>
#include <vector>

#include "util/cli.h"

using flashsale::util::CommandSpec;
using flashsale::util::ParseCommandLine;

namespace {

const CommandSpec kSpec{"flashsale-test", "A binary.", {{"--seed", "seed too"}}};

flashsale::util::ParsedCommandLine Parse(std::initializer_list<const char*> args) {
  static std::vector<std::string> storage;
  storage.assign({"flashsale-test"});
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return ParseCommandLine(static_cast<int>(storage.size()), argv.data(), kSpec);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(config_test_and_switches) {
  auto p = Parse({"-c", "/etc/x.conf", "-t", "--seed"});
  BOOST_REQUIRE(p.line.has_value());
  BOOST_TEST(p.line->config_path == "/etc/x.conf");
  BOOST_TEST(p.line->test_config);
  BOOST_TEST(p.line->switches.count("--seed") == 1u);
  p = Parse({"--config=/etc/y.conf", "--test-config"});
  BOOST_REQUIRE(p.line.has_value());
  BOOST_TEST(p.line->config_path == "/etc/y.conf");
  BOOST_TEST(p.line->test_config);
  BOOST_TEST(p.line->switches.empty());
  p = Parse({"--config", "z.conf"});
  BOOST_REQUIRE(p.line.has_value());
  BOOST_TEST(!p.line->test_config);
}

BOOST_AUTO_TEST_CASE(help_and_version_exit_zero) {
  for (const char* a : {"-h", "--help", "-V", "--version"}) {
    BOOST_TEST_CONTEXT(a) {
      auto p = Parse({a});
      BOOST_TEST(!p.line.has_value());
      BOOST_TEST(p.exit_status == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(anything_else_is_a_usage_error) {
  for (auto args : {std::vector<const char*>{"--bogus"}, {"-c"}, {"--config"}, {"--config="},
                    {"start"}, {"-t", "--sed"}, {"--seed=1"}}) {
    std::string joined;
    for (const char* a : args) joined += std::string(a) + " ";
    BOOST_TEST_CONTEXT(joined) {
      flashsale::util::ParsedCommandLine p;
      if (args.size() == 1) p = Parse({args[0]});
      else p = Parse({args[0], args[1]});
      BOOST_TEST(!p.line.has_value());
      BOOST_TEST(p.exit_status == flashsale::util::kExitUsage);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
