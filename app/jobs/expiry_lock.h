// The expiry job's lock: one run works at a time, and a run that dies keeps the others out for
// seconds at most.
//
// First choice, a Redis lease (store/redis_lock.h): SET NX PX with a random token, lease_ms long,
// renewed between batches (compare-and-PEXPIRE), released by compare-and-delete. A run killed
// mid-way blocks the next for at most one lease. When Redis is unreachable, a MariaDB named lock
// instead (store/db_lock.h, GET_LOCK on a connection of its own): MariaDB frees it as soon as
// that connection closes, so a crash never blocks it either.
//
// The two do not exclude each other: a run under the MariaDB lock and one under the Redis lease
// (Redis back, or reachable from one host only) may work at once. That costs nothing but
// overlap: the job never releases a hold twice (rows locked FOR UPDATE SKIP LOCKED, conditional
// status update), with or without a lock. The same holds when a lease runs out during a batch.
#pragma once

#include <memory>

#include "jobs/release_expired_job.h"
#include "store/db.h"
#include "store/db_lock.h"
#include "store/redis_client.h"
#include "store/redis_lock.h"
#include "util/config.h"

namespace flashsale::jobs {

// expiry_lock_ttl_seconds (config) bounds one run: it starts no batch after half of it. The
// lease is min(kMaxLeaseMs, expiry_lock_ttl_seconds): what a dead run can cost the next ones.
inline constexpr int kMaxLeaseMs = 5000;
int LeaseMillis(const util::Config& config);
int64_t RunBudgetMillis(const util::Config& config);

class ExpiryLock {
 public:
  enum class Outcome { kAcquired, kBusy, kUnreachable };

  explicit ExpiryLock(const util::Config& config);
  ~ExpiryLock();  // releases whichever lock is held
  ExpiryLock(const ExpiryLock&) = delete;
  ExpiryLock& operator=(const ExpiryLock&) = delete;

  // The Redis lease; the MariaDB lock only when Redis is unreachable.
  Outcome Acquire();
  // Between batches: renews the Redis lease, or checks the MariaDB lock is still this
  // session's. Anything but kHeld means the run must stop.
  LockState Renew();
  // "redis" or "mariadb" once acquired, "" before.
  const char* kind() const;

 private:
  enum class Kind { kNone, kRedis, kMariaDb };

  const util::Config& config_;
  store::RedisClient redis_;
  store::RedisLock redis_lock_;
  std::unique_ptr<store::Database> lock_db_;  // the named lock's own connection
  std::unique_ptr<store::DbLock> db_lock_;
  Kind kind_ = Kind::kNone;
};

}  // namespace flashsale::jobs
