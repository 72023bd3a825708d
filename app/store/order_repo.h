// Orders table. hold_id is UNIQUE: even if two transactions got past every check, the second
// INSERT for one hold fails, so a hold turns into at most one order. A status change is
// conditional on 'pending' and made under the order's row lock, so an order leaves 'pending'
// exactly once (to paid, cancelled or expired).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::orders {

int64_t Insert(Tx& tx, const OrderRecord& order, Millis now);

std::optional<OrderRecord> Find(Tx& tx, int64_t id);
// A shared lock on the row: waits for a transaction that is settling or expiring the order, and
// keeps one from starting until this transaction ends.
std::optional<OrderRecord> FindShared(Tx& tx, int64_t id);
// Locks the row; for an id not created yet it also locks the gap where it will be inserted, so
// an order and a webhook for it cannot miss each other (see domain/payment_service.cc).
std::optional<OrderRecord> FindForUpdate(Tx& tx, int64_t id);
std::optional<int64_t> IdForHold(Tx& tx, int64_t hold_id);

// status := to, if it is still 'pending'. Returns whether it changed.
bool Settle(Tx& tx, int64_t id, OrderStatus to, Millis now);

// Up to `limit` orders of `product_id` (or of every product when product_id is 0) still
// 'pending' with expires_at <= now, locked; rows locked by someone else (a webhook settling
// it, another releaser) are skipped, never waited for.
std::vector<OrderRecord> LockExpired(Tx& tx, int64_t product_id, Millis now, int limit);

}  // namespace flashsale::store::orders
