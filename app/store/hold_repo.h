// Holds table. A hold row is locked (FOR UPDATE) by whoever changes its status, and every status
// change is conditional on the status it replaces, so a hold leaves 'active' exactly once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::holds {

// Inserts hold (product_id, quantity, buyer_id, expires_at; status 'active'); returns its id.
int64_t Insert(Tx& tx, const HoldRecord& hold, Millis now);

// The fast path of a hold (sql/migrations/007_hold_reserve_commit_v2.sql), in one round trip:
// with lock_buyer, takes the buyer's lock first; checks the product's per-buyer limit; inserts
// the hold, records hold_created from `event_payload` (its "hold_id" is filled in), reserves
// the units and COMMITs. REQUIRES: the first statement of its transaction (the limit's sum is
// read in the snapshot this call starts).
struct InsertedHold {
  enum Outcome {
    kNoUnits = 0,        // nothing reserved; the transaction is still open with the hold in it
    kReserved = 1,       // committed
    kNeedsBuyerLock = 2, // limited product, lock_buyer was false: nothing written
    kBuyerRequired = 3,  // limited product, no buyer: nothing written
    kOverLimit = 4,      // the buyer would go over the limit: nothing written
  };
  int64_t id = 0;
  Outcome outcome = kNoUnits;
  std::optional<int64_t> max_per_buyer;  // the product's limit as the call read it
  int64_t remaining = 0;                 // kOverLimit: what the buyer may still hold
};
InsertedHold InsertReserveAndCommit(Tx& tx, const HoldRecord& hold, bool lock_buyer, Millis now,
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
