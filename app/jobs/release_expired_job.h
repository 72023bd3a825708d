// The expiry job (flashsale-release-expired, run by cron): frees the units of holds whose
// expires_at has passed and of pending orders whose payment window has closed.
//
// Correctness does not depend on it: an expired hold or order stops counting at expires_at for
// every read and every new hold (domain/rules.h). The job turns "expired but still in reserved"
// into "released" (holds) and "expired" (orders), so `reserved` stays small and exact. It runs alone (jobs/expiry_lock.h: a Redis
// lease renewed between batches, or a MariaDB named lock when Redis is unreachable); even
// without the lock two runs could not release one hold twice (SKIP LOCKED + conditional status
// update), which is what makes a lost lease or two kinds of lock at once harmless.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "store/db.h"
#include "util/status.h"

namespace flashsale::jobs {

// What the run's lock says when asked between two batches.
enum class LockState { kHeld, kLost, kUnreachable };

struct ReleaseOptions {
  int batch_size = 500;
  int64_t max_millis = 30000;  // no batch starts after this much time
  std::string run_id;          // written in every holds_batch_released row
  std::string lock;            // "redis" or "mariadb", ditto
};

struct ReleaseReport {
  enum class End {
    kDone,             // a batch came back short: nothing left (or all of it locked by others)
    kOutOfTime,        // max_millis passed; the next run goes on
    kLockLost,         // the lock is not this run's any more: this run stopped
    kLockUnreachable,  // the lock could not be checked: this run stopped
    kFailed,           // a batch failed (status says why); earlier batches stay committed
  };
  int64_t released = 0;        // holds
  int64_t orders_expired = 0;  // orders
  int64_t batches = 0;         // committed transactions that released something
  End end = End::kDone;
  Status status;
};

// Releases in batches of `batch_size` rows (expired holds first, then expired orders), one
// transaction each, holding a hold_released row per hold, an order_expired row per order and one
// holds_batch_released row for the batch (events.h BatchReleased), so whatever a run committed
// before it died is logged. Between batches it calls `still_locked` (which
// renews the lease) and stops unless it answers kHeld.
ReleaseReport ReleaseExpired(store::Database& db, const ReleaseOptions& options,
                             const std::function<LockState()>& still_locked);

}  // namespace flashsale::jobs
