// flashsale-release-expired: one run of the expiry job (cron calls it; see cron/).
//
//   flashsale-release-expired [-c FILE] [-t]          (--help: util/cli.h)
//
// Exit codes: 0 the run did its work, or another run holds the lock (this one exits at once), or
// this run lost its lock to another one mid-way; 1 failure: configuration unreadable, MariaDB
// unreachable (or Redis and MariaDB both), a batch failed, or the lock could not be checked
// between batches. Either way holds stop counting at expires_at on their own, and the next run
// catches up. Failures are logged at ERROR (syslog priority err under cron:
// conf/log4cplus-cron.properties), so the exit status and `journalctl -p err` agree.
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "jobs/expiry_lock.h"
#include "jobs/release_expired_job.h"
#include "store/db.h"
#include "store/options.h"
#include "store/preflight.h"
#include "util/cli.h"
#include "util/config.h"
#include "util/log.h"

namespace {

// Ties the holds_batch_released rows of one run together.
std::string RunId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace flashsale;
  using End = jobs::ReleaseReport::End;
  util::ParsedCommandLine cli = util::ParseCommandLine(
      argc, argv,
      {"flashsale-release-expired", "One run of the expiry job: releases expired holds and orders.", {}});
  if (!cli.line) return cli.exit_status;
  Result<util::Config> config = util::LoadConfig(cli.line->config_path);
  if (config.ok()) {
    if (auto nodes = store::DbNodesFrom(config.value()); !nodes.ok()) config = nodes.status();
  }
  if (!config.ok()) {
    // Under cron nobody reads stderr: log where the job's lines go when the environment names
    // a log config (the crontab does).
    if (const char* log_config = std::getenv("FLASHSALE_LOG_CONFIG"); log_config && *log_config) {
      (void)util::InitLogging(log_config);  // best effort: the run fails either way
      LOG4CPLUS_ERROR(log4cplus::Logger::getInstance("flashsale.jobs"),
                      "release-expired: " << config.status().message());
    }
    std::fprintf(stderr, "flashsale-release-expired: %s\n", config.status().message().c_str());
    return 1;
  }
  if (!util::InitLogging(config->log_config)) return 1;
  if (cli.line->test_config) {
    return store::CheckConnections(config.value(), "flashsale-release-expired", cli.line->config_path) ? 0 : 1;
  }
  auto log = log4cplus::Logger::getInstance("flashsale.jobs");

  jobs::ExpiryLock lock(config.value());
  switch (lock.Acquire()) {
    case jobs::ExpiryLock::Outcome::kBusy:
      LOG4CPLUS_INFO(log, "another release-expired run holds the lock; exiting");
      return 0;
    case jobs::ExpiryLock::Outcome::kUnreachable:
      LOG4CPLUS_ERROR(log, "neither Redis nor MariaDB reachable, cannot take the lock; "
                           "skipping this run");
      return 1;
    case jobs::ExpiryLock::Outcome::kAcquired:
      break;
  }

  store::Database db(store::DbOptionsFrom(config.value()));
  jobs::ReleaseOptions options;
  options.batch_size = config->expiry_batch_size;
  options.max_millis = jobs::RunBudgetMillis(config.value());
  options.run_id = RunId();
  options.lock = lock.kind();
  jobs::ReleaseReport report = jobs::ReleaseExpired(db, options, [&] { return lock.Renew(); });

  std::string done = "released " + std::to_string(report.released) + " expired holds and " +
                     std::to_string(report.orders_expired) + " expired orders in " +
                     std::to_string(report.batches) + " batch(es), run " + options.run_id +
                     " under the " + options.lock + " lock";
  switch (report.end) {
    case End::kDone:
      LOG4CPLUS_INFO(log, done);
      return 0;
    case End::kOutOfTime:
      LOG4CPLUS_WARN(log, done << "; stopped after " << options.max_millis
                               << " ms with holds left, the next run goes on");
      return 0;
    case End::kLockLost:
      LOG4CPLUS_WARN(log, done << "; stopped: the lock is no longer this run's (lease ran out, "
                                  "or the lock's connection was lost); the next run goes on");
      return 0;
    case End::kLockUnreachable:
      LOG4CPLUS_ERROR(log, done << "; stopped: the " << options.lock
                                << " lock could not be renewed (unreachable)");
      return 1;
    case End::kFailed:
      LOG4CPLUS_ERROR(log, "release-expired failed: " << report.status.message() << "; " << done
                                                       << " before");
      return 1;
  }
  return 1;
}
