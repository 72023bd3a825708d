// flashsale-fcgi: the FastCGI pool (a master and its prefork workers). nginx routes /api here.
//
//   flashsale-fcgi [-c FILE] [-t] [--check-config]   (default: $FLASHSALE_CONFIG or
//                                                    conf/flashsale.conf; --help: util/cli.h)
//   --check-config: the configuration file alone (no connections): 0 when the pool would start
//   with it, 2 and why when not. What a reload runs with the binary it is about to exec, and
//   what `systemctl reload` runs first.
//
// Stays in the foreground. Signals as php-fpm's (app/process/signals.h): SIGUSR2 or SIGHUP
// reloads (config and binary, same pid, same socket), SIGUSR1 reopens the log file, SIGQUIT or
// SIGTERM drains and exits, SIGINT exits at once. Logs go to stderr, or to log_file.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "metrics/metrics.h"
#include "process/listener.h"
#include "process/master.h"
#include "process/proctitle.h"
#include "process/worker.h"
#include "store/options.h"
#include "store/preflight.h"
#include "util/cli.h"
#include "util/config.h"
#include "util/config_check.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace flashsale;
  process::InitProcTitle(argc, argv);  // before anything keeps a pointer into argv or environ
  util::ParsedCommandLine cli = util::ParseCommandLine(
      argc, argv,
      {"flashsale-fcgi", "The FastCGI pool: a master and its prefork workers.",
       {{"--check-config", "check the configuration file alone (no connections), then exit (0: ok)"}}});
  if (!cli.line) return cli.exit_status;
  const std::string& path = cli.line->config_path;
  Result<util::Config> config = util::LoadConfig(path);
  if (config.ok()) {
    std::string socket_error;
    if (Status refused = util::CheckPoolConfig(config.value()); !refused.ok()) {
      config = refused;
    } else if (!process::SocketOwnerKnown(config.value(), &socket_error)) {
      config = Status::InvalidArgument("invalid_config", socket_error);
    } else if (auto nodes = store::DbNodesFrom(config.value()); !nodes.ok()) {
      config = nodes.status();
    }
  }
  if (!config.ok()) {
    std::fprintf(stderr, "flashsale-fcgi: %s\n", config.status().message().c_str());
    return process::kExitFatal;
  }
  if (cli.line->switches.count("--check-config") != 0) {
    std::fprintf(stderr, "flashsale-fcgi: the configuration %s is ok\n", path.c_str());
    return 0;
  }
  const util::Config& cfg = config.value();
  if (!cli.line->test_config && !cfg.log_file.empty() && !util::RedirectStderr(cfg.VarPath(cfg.log_file))) {
    return process::kExitFatal;
  }
  if (!util::InitLogging(cfg.log_config)) return process::kExitFatal;
  if (cli.line->test_config) {
    return store::CheckConnections(cfg, "flashsale-fcgi", path) ? 0 : 1;
  }
  // The previous image's descriptors and workers, when this start is a reload (reload.h).
  process::Handover handover = process::TakeHandover();
  if (cfg.webhook_secret.empty()) {
    LOG4CPLUS_WARN(util::ProcessLog(), "webhook_secret is empty and webhook_allow_unsigned = true: "
                                       "payment webhooks are accepted WITHOUT a signature");
  }
  if (cfg.admin_token.empty()) {
    LOG4CPLUS_INFO(util::ProcessLog(), "admin_token is empty: operator endpoints are disabled");
  }

  // The cache-trust flags are shared by every worker, of this image and of the previous one.
  process::TrustPage trust = process::MapTrustPage(handover.reloaded ? handover.trust_fd : -1);
  if (trust.trust == nullptr) {
    LOG4CPLUS_FATAL(util::ProcessLog(), "cannot map the cache-trust page");
    return process::kExitFatal;
  }

  // The scoreboard (workers' states, pool counters, metrics): also shared, also before fork().
  // Each image has its own: the old workers of a reload keep writing the previous one, so no
  // slot ever has two writers (the counters start again at a reload, as php-fpm's do).
  std::unique_ptr<process::Scoreboard> board =
      process::Scoreboard::Create(static_cast<size_t>(cfg.EffectiveWorkers()));
  if (!board) {
    LOG4CPLUS_FATAL(util::ProcessLog(), "cannot map the scoreboard");
    return process::kExitFatal;
  }
  metrics::Install(board->metrics_area(), process::Scoreboard::kMetricsAreaBytes, /*initialize=*/true);

  process::MasterOptions options;
  std::error_code ec;  // the re-exec'd image may not share this working directory's meaning
  options.config_path = util::ResolveAgainst(std::filesystem::current_path(ec).string(), path);
  options.executable = process::ExecutablePath();
  options.argv = process::OriginalArgv();
  options.handover = handover;
  options.trust = trust;
  process::Scoreboard& shared = *board;
  store::CacheTrust& shared_trust = *trust.trust;
  return process::RunMaster(cfg, options, shared, [&cfg, &shared_trust, &shared](int listen_fd, size_t slot) {
    return process::RunWorker(cfg, listen_fd, shared_trust, shared, slot);
  });
}
