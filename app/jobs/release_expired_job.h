// The expiry job (flashsale-release-expired, run by cron): frees the units of holds whose
// expires_at has passed.
//
// Correctness does not depend on it: an expired hold stops counting at expires_at for every read
// and every new hold (domain/rules.h). The job turns "expired but still in reserved" into
// "released", so `reserved` stays small and exact. It runs alone (Redis lock); even without the
// lock two runs could not release one hold twice (SKIP LOCKED + conditional status update).
#pragma once

#include <cstdint>

#include "store/db.h"
#include "util/status.h"

namespace flashsale::jobs {

struct ReleaseReport {
  int64_t released = 0;
  int64_t batches = 0;
};

// Releases in batches of `batch_size`, one transaction each (hold_released per hold), and writes
// holds_batch_released once per run that released anything, in its last batch's transaction.
// Stops early after `max_millis` so a run never outlives its lock.
Result<ReleaseReport> ReleaseExpired(store::Database& db, int batch_size, int64_t max_millis);

}  // namespace flashsale::jobs
