// Per-buyer limits (sql/migrations/006_buyer_limit.sql): the buyer's lock row and the units a
// buyer has of a product. Used by the multi-statement hold path (keyed holds), by orders and
// webhooks; the one-round-trip hold does the same inside hold_reserve_commit_v2 (007).
#pragma once

#include <cstdint>
#include <string>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::buyers {

// Takes the exclusive lock of (product_id, buyer_id)'s buyer_locks row, creating it if needed.
// A record lock on the primary key: only transactions of the same buyer and product wait.
// Returns true when the row was created: a buyer new to this limited product, who has no units
// (sql/migrations/006_buyer_limit.sql; CreateForExistingBuyers keeps that true).
bool Lock(Tx& tx, int64_t product_id, const std::string& buyer_id);

// Creates the rows of every buyer who has holds or orders of the product. REQUIRES: the product
// row locked by tx, and the product about to get a limit it did not have.
void CreateForExistingBuyers(Tx& tx, int64_t product_id);

// The buyer's units of the product that count against its limit: active holds and pending
// orders with expires_at > now, plus paid orders. A plain read, no locks: REQUIRES the buyer's
// lock, taken before the transaction's first read, so that it sees every hold the lock's
// previous owners committed (READ COMMITTED reads what committed before the statement; under
// REPEATABLE READ the snapshot would come from that first read, after the lock too).
int64_t Units(Tx& tx, int64_t product_id, const std::string& buyer_id, Millis now);

}  // namespace flashsale::store::buyers
