// payment_events: one row per webhook idempotency key (UNIQUE), so a key is applied at most once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::payments {

// Inserts the event; false if the key exists (after waiting for a concurrent inserter of the
// same key to commit or roll back).
bool TryInsert(Tx& tx, const PaymentEventRecord& event, Millis now);

// Reads the latest committed row for a key (locking read).
std::optional<PaymentEventRecord> FindByKey(Tx& tx, const std::string& key);

void SetOutcome(Tx& tx, const std::string& key, PaymentOutcome outcome, Millis now);

// Deferred events for an order, oldest first, locked.
std::vector<PaymentEventRecord> LockDeferred(Tx& tx, int64_t order_id);

}  // namespace flashsale::store::payments
