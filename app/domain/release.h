// Giving units back: releasing holds (by the client, or because they expired), expiring orders
// whose payment window closed, and settling orders. Shared by the services and the expiry job so
// that every path that frees units writes the same status change, the same metrics row and the
// same counter update.
#pragma once

#include <cstdint>
#include <string>

#include "store/db.h"
#include "store/product_cache.h"
#include "store/records.h"

namespace flashsale::domain {

using util::Millis;

struct Released {
  int64_t holds = 0;
  int64_t orders = 0;
  int64_t total() const { return holds + orders; }
};

// Releases up to `limit` expired holds and pending orders past their expires_at (holds first;
// of one product, or of all when product_id is 0) in the caller's transaction: status 'expired',
// a hold_released or order_expired row each, and one counter update per product as the last
// statements. Rows locked by a concurrent releaser or settler are skipped, never waited for and
// never released twice.
Released ReleaseExpired(store::Tx& tx, int64_t product_id, Millis now, int limit);

// Ends an active hold as `to` (kReleased or kExpired) and returns its units.
// REQUIRES: the hold row is locked by tx and its status is 'active'.
void EndHold(store::Tx& tx, store::HoldRecord& hold, store::HoldStatus to, Millis now);

// pending -> paid (stock and reserved drop) or pending -> cancelled (units return).
// REQUIRES: the order row is locked by tx and its status is 'pending'.
// With commit_now the counter update and the COMMIT go in one round trip (nothing may follow).
void SettleOrder(store::Tx& tx, store::OrderRecord& order, store::PaymentStatus payment,
                 const std::string& idempotency_key, Millis now, store::ProductCache& cache,
                 bool commit_now);

// pending -> expired: its units leave `reserved` (for availability they stopped counting at
// expires_at already), with its order_expired row; the counter update and the COMMIT in one
// round trip (nothing may follow).
// REQUIRES: the order row is locked by tx, its status is 'pending' and expires_at <= now.
void ExpireOrderAndCommit(store::Tx& tx, store::OrderRecord& order, Millis now,
                          store::ProductCache& cache);

}  // namespace flashsale::domain
