// The command line every flashsale binary shares, in the style of nginx and php-fpm:
//
//   -c, --config FILE     the configuration (default: $FLASHSALE_CONFIG, else conf/flashsale.conf)
//   -t, --test-config     check the configuration and the connections it names, then exit
//   -h, --help            usage, exit 0
//   -V, --version         version, exit 0
//
// plus the binary's own switches (flashsale-migrate --seed). Anything else is refused with the
// usage on stderr and exit status 2: a mistyped option must not start a pool with defaults.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flashsale::util {

inline constexpr const char* kVersion = "1.1.0";
inline constexpr int kExitUsage = 2;

struct Switch {
  std::string name;  // "--seed"
  std::string help;
};

struct CommandSpec {
  std::string name;     // "flashsale-migrate"
  std::string summary;  // one line: what the binary does
  std::vector<Switch> switches;
};

struct CommandLine {
  std::string config_path;
  bool test_config = false;
  std::set<std::string> switches;  // the binary's own switches that were given
};

// Parses argv. Returns the command line, or the exit status when the process should exit now
// (after --help or --version, printed to stdout, or a usage error, printed to stderr).
struct ParsedCommandLine {
  std::optional<CommandLine> line;
  int exit_status = 0;
};
ParsedCommandLine ParseCommandLine(int argc, char** argv, const CommandSpec& spec);

}  // namespace flashsale::util
