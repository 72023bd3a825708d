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

// The fast path of a hold (sql/migrations/007_hold_reserve_commit_v2.sql), in one round trip.
// lock_buyer: the caller believes the product has a per-buyer limit; with a buyer, the buyer's
// lock is taken and its units summed first, and the limit is checked before anything is written.
// Then the hold and hold_created (from `event_payload`, whose "hold_id" is filled in) are
// inserted, the units reserved (the update also re-checks the limit: without lock_buyer it
// requires the product to have none) and the transaction COMMITted.
// REQUIRES: the first statement of its transaction.
struct InsertedHold {
  enum Outcome {
    kNotReserved = 0,    // the transaction is still open with the hold in it (no units, or a
                         // limit the call did not account for: the caller reads the product)
    kReserved = 1,       // committed
    kBuyerRequired = 3,  // limited product, no buyer: nothing written
    kOverLimit = 4,      // the buyer would go over the limit: nothing written
  };
  int64_t id = 0;
  Outcome outcome = kNotReserved;
  // The product's limit as the call saw it: nullopt when the call did not read it, else the
  // limit or 0 for none.
  std::optional<int64_t> max_per_buyer;
  int64_t remaining = 0;                // kOverLimit: what the buyer may still hold
  std::optional<int64_t> buyer_units;   // set when the buyer's lock was taken
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
