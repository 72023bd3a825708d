#include "util/cli.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace flashsale::util {
namespace {

std::string Usage(const CommandSpec& spec) {
  std::string out = "usage: " + spec.name + " [-c FILE] [-t]";
  for (const Switch& s : spec.switches) out += " [" + s.name + "]";
  out += "\n" + spec.summary + "\n\n";
  out += "  -c, --config FILE   configuration file (default: $FLASHSALE_CONFIG, else conf/flashsale.conf);\n"
         "                      FLASHSALE_<KEY> environment variables override its keys\n"
         "  -t, --test-config   check the configuration, MariaDB and Redis, then exit (0: ok)\n";
  for (const Switch& s : spec.switches) {
    std::string name = s.name;
    name.resize(std::max<size_t>(name.size(), 18), ' ');
    out += "  " + name + "  " + s.help + "\n";
  }
  out += "  -h, --help          this text\n"
         "  -V, --version       the version\n";
  return out;
}

ParsedCommandLine UsageError(const CommandSpec& spec, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n%s", spec.name.c_str(), why.c_str(), Usage(spec).c_str());
  return {std::nullopt, kExitUsage};
}

}  // namespace

ParsedCommandLine ParseCommandLine(int argc, char** argv, const CommandSpec& spec) {
  CommandLine line;
  bool have_config = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(Usage(spec).c_str(), stdout);
      return {std::nullopt, 0};
    }
    if (arg == "-V" || arg == "--version") {
      std::printf("%s %s\n", spec.name.c_str(), kVersion);
      return {std::nullopt, 0};
    }
    if (arg == "-t" || arg == "--test-config") {
      line.test_config = true;
    } else if (arg == "-c" || arg == "--config") {
      if (i + 1 >= argc) return UsageError(spec, arg + " needs a file name");
      line.config_path = argv[++i];
      have_config = true;
    } else if (arg.rfind("--config=", 0) == 0) {
      line.config_path = arg.substr(9);
      have_config = true;
    } else {
      bool known = false;
      for (const Switch& s : spec.switches) known = known || s.name == arg;
      if (!known) return UsageError(spec, "unknown argument '" + arg + "'");
      line.switches.insert(arg);
    }
  }
  if (have_config && line.config_path.empty()) return UsageError(spec, "empty configuration file name");
  if (!have_config) {
    const char* env = std::getenv("FLASHSALE_CONFIG");
    line.config_path = env != nullptr && *env ? env : "conf/flashsale.conf";
  }
  return {std::move(line), 0};
}

}  // namespace flashsale::util
