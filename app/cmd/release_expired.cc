// flashsale-release-expired: one run of the expiry job (cron calls it; see cron/).
//
//   flashsale-release-expired [--config FILE]
//
// Exit codes: 0 done (or another run holds the lock: this one exits at once), 1 failure
// (Redis or MariaDB unreachable). Either way holds stop counting at expires_at on their own.
#include <cstdio>

#include "jobs/release_expired_job.h"
#include "store/db.h"
#include "store/options.h"
#include "store/redis_client.h"
#include "store/redis_lock.h"
#include "util/config.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace flashsale;
  Result<util::Config> config = util::LoadConfig(util::ConfigPathFromArgs(argc, argv));
  if (!config.ok()) {
    std::fprintf(stderr, "flashsale-release-expired: %s\n", config.status().message().c_str());
    return 1;
  }
  util::InitLogging(config->log_config);
  auto log = log4cplus::Logger::getInstance("flashsale.jobs");

  store::RedisClient redis(store::RedisOptionsFrom(config.value()));
  int ttl_ms = config->expiry_lock_ttl_seconds * 1000;
  store::RedisLock lock(redis, "flashsale:lock:release-expired", ttl_ms);
  switch (lock.Acquire()) {
    case store::RedisLock::Outcome::kBusy:
      LOG4CPLUS_INFO(log, "another release-expired run holds the lock; exiting");
      return 0;
    case store::RedisLock::Outcome::kUnreachable:
      LOG4CPLUS_ERROR(log, "Redis unreachable, cannot take the lock; skipping this run");
      return 1;
    case store::RedisLock::Outcome::kAcquired:
      break;
  }

  store::Database db(store::DbOptionsFrom(config.value()));
  // Stop well within the lock's ttl so no second run can start while this one still works.
  Result<jobs::ReleaseReport> report = jobs::ReleaseExpired(db, config->expiry_batch_size, ttl_ms / 2);
  if (!report.ok()) {
    LOG4CPLUS_ERROR(log, "release-expired failed: " << report.status().message());
    return 1;
  }
  LOG4CPLUS_INFO(log, "released " << report->released << " expired holds in " << report->batches
                                  << " batch(es)");
  return 0;
}
