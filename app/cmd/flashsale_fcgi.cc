// flashsale-fcgi: the FastCGI pool (a master and its prefork workers). nginx routes /api here.
//
//   flashsale-fcgi [-c FILE] [-t]      (default: $FLASHSALE_CONFIG or conf/flashsale.conf;
//                                      --help: util/cli.h)
//
// Stays in the foreground; SIGTERM or SIGINT drains and exits. Logs go to stderr.
#include <sys/mman.h>

#include <cstdio>
#include <memory>
#include <new>

#include "metrics/metrics.h"
#include "process/master.h"
#include "process/worker.h"
#include "store/preflight.h"
#include "util/cli.h"
#include "util/config.h"
#include "util/config_check.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace flashsale;
  util::ParsedCommandLine cli = util::ParseCommandLine(
      argc, argv, {"flashsale-fcgi", "The FastCGI pool: a master and its prefork workers.", {}});
  if (!cli.line) return cli.exit_status;
  const std::string& path = cli.line->config_path;
  Result<util::Config> config = util::LoadConfig(path);
  if (config.ok()) {
    if (Status refused = util::CheckPoolConfig(config.value()); !refused.ok()) config = refused;
  }
  if (!config.ok()) {
    std::fprintf(stderr, "flashsale-fcgi: %s\n", config.status().message().c_str());
    return process::kExitFatal;
  }
  util::InitLogging(config->log_config);
  if (cli.line->test_config) {
    return store::CheckConnections(config.value(), "flashsale-fcgi", path) ? 0 : 1;
  }
  if (config->webhook_secret.empty()) {
    LOG4CPLUS_WARN(util::ProcessLog(), "webhook_secret is empty and webhook_allow_unsigned = true: "
                                       "payment webhooks are accepted WITHOUT a signature");
  }
  if (config->admin_token.empty()) {
    LOG4CPLUS_INFO(util::ProcessLog(), "admin_token is empty: operator endpoints are disabled");
  }

  // The cache-trust flags are shared by every worker: one page, mapped before fork().
  void* page = mmap(nullptr, sizeof(store::CacheTrust), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    LOG4CPLUS_FATAL(util::ProcessLog(), "mmap failed");
    return process::kExitFatal;
  }
  store::CacheTrust* trust = new (page) store::CacheTrust();

  // The scoreboard (workers' states, pool counters, metrics): also shared, also before fork().
  std::unique_ptr<process::Scoreboard> board =
      process::Scoreboard::Create(static_cast<size_t>(config->EffectiveWorkers()));
  if (!board) {
    LOG4CPLUS_FATAL(util::ProcessLog(), "cannot map the scoreboard");
    return process::kExitFatal;
  }
  metrics::Install(board->metrics_area(), process::Scoreboard::kMetricsAreaBytes, /*initialize=*/true);

  const util::Config& cfg = config.value();
  process::Scoreboard& shared = *board;
  return process::RunMaster(cfg, shared, [&cfg, trust, &shared](int listen_fd, size_t slot) {
    return process::RunWorker(cfg, listen_fd, *trust, shared, slot);
  });
}
