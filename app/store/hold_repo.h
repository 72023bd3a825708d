// Holds table. A hold row is locked (FOR UPDATE) by whoever changes its status, and every status
// change is conditional on the status it replaces, so a hold leaves 'active' exactly once.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::holds {

int64_t Insert(Tx& tx, int64_t product_id, int64_t quantity, Millis expires_at, Millis now);

// The fast path of a hold (sql/migrations/003_hold_reserve_commit.sql): inserts the hold,
// records hold_created from `event_payload` (its "hold_id" is filled in), reserves the units
// and COMMITs, in one round trip. `reserved` false: nothing reserved, the transaction is still
// open with the hold and its metrics row in it.
struct InsertedHold {
  int64_t id = 0;
  bool reserved = false;
};
InsertedHold InsertReserveAndCommit(Tx& tx, int64_t product_id, int64_t quantity,
                                    Millis expires_at, Millis now,
                                    const std::string& event_payload);

std::optional<HoldRecord> Find(Tx& tx, int64_t id);
std::optional<HoldRecord> FindForUpdate(Tx& tx, int64_t id);

// status := to, if it is still 'active'. Returns whether it changed.
bool Finish(Tx& tx, int64_t id, HoldStatus to, Millis now);

// Up to `limit` holds of `product_id` (or of every product when product_id is 0) that are
// still 'active' with expires_at <= now, locked; rows locked by someone else are skipped, so two
// releasers never wait on (or release) the same hold.
std::vector<HoldRecord> LockExpired(Tx& tx, int64_t product_id, Millis now, int limit);

}  // namespace flashsale::store::holds
