#include "jobs/expiry_lock.h"

#include <algorithm>

#include "store/options.h"
#include "util/log.h"

namespace flashsale::jobs {
namespace {

constexpr const char kRedisKey[] = "flashsale:lock:release-expired";
constexpr const char kDbLockName[] = "flashsale.release_expired";

log4cplus::Logger JobsLog() { return log4cplus::Logger::getInstance("flashsale.jobs"); }

}  // namespace

int LeaseMillis(const util::Config& config) {
  return std::min(kMaxLeaseMs, config.expiry_lock_ttl_seconds * 1000);
}

int64_t RunBudgetMillis(const util::Config& config) {
  return static_cast<int64_t>(config.expiry_lock_ttl_seconds) * 1000 / 2;
}

ExpiryLock::ExpiryLock(const util::Config& config)
    : config_(config),
      redis_(store::RedisOptionsFrom(config)),
      redis_lock_(redis_, kRedisKey, LeaseMillis(config)) {}

ExpiryLock::~ExpiryLock() = default;  // members release what they hold

ExpiryLock::Outcome ExpiryLock::Acquire() {
  switch (redis_lock_.Acquire()) {
    case store::RedisLock::Outcome::kAcquired:
      kind_ = Kind::kRedis;
      return Outcome::kAcquired;
    case store::RedisLock::Outcome::kBusy:
      return Outcome::kBusy;
    case store::RedisLock::Outcome::kUnreachable:
      break;
  }
  LOG4CPLUS_WARN(JobsLog(), "Redis unreachable; taking the MariaDB lock " << kDbLockName
                                                                          << " instead");
  lock_db_ = std::make_unique<store::Database>(store::DbOptionsFrom(config_));
  db_lock_ = std::make_unique<store::DbLock>(*lock_db_, kDbLockName);
  switch (db_lock_->Acquire()) {
    case store::DbLock::Outcome::kAcquired:
      kind_ = Kind::kMariaDb;
      return Outcome::kAcquired;
    case store::DbLock::Outcome::kBusy:
      return Outcome::kBusy;
    case store::DbLock::Outcome::kUnreachable:
      break;
  }
  return Outcome::kUnreachable;
}

LockState ExpiryLock::Renew() {
  switch (kind_) {
    case Kind::kRedis:
      switch (redis_lock_.Renew()) {
        case store::RedisLock::Lease::kRenewed:
          return LockState::kHeld;
        case store::RedisLock::Lease::kLost:
          return LockState::kLost;
        case store::RedisLock::Lease::kUnreachable:
          return LockState::kUnreachable;
      }
      break;
    case Kind::kMariaDb:
      switch (db_lock_->StillHeld()) {
        case store::DbLock::Check::kHeld:
          return LockState::kHeld;
        case store::DbLock::Check::kLost:
          return LockState::kLost;
        case store::DbLock::Check::kUnreachable:
          return LockState::kUnreachable;
      }
      break;
    case Kind::kNone:
      break;
  }
  return LockState::kLost;
}

const char* ExpiryLock::kind() const {
  switch (kind_) {
    case Kind::kRedis:
      return "redis";
    case Kind::kMariaDb:
      return "mariadb";
    case Kind::kNone:
      break;
  }
  return "";
}

}  // namespace flashsale::jobs
