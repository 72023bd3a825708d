// Orders table. hold_id is UNIQUE: even if two transactions got past every check, the second
// INSERT for one hold fails, so a hold turns into at most one order.
#pragma once

#include <cstdint>
#include <optional>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::orders {

int64_t Insert(Tx& tx, const OrderRecord& order, Millis now);

std::optional<OrderRecord> Find(Tx& tx, int64_t id);
// Locks the row; for an id not created yet it also locks the gap where it will be inserted, so
// an order and a webhook for it cannot miss each other (see domain/payment_service.cc).
std::optional<OrderRecord> FindForUpdate(Tx& tx, int64_t id);
std::optional<int64_t> IdForHold(Tx& tx, int64_t hold_id);

// status := to, if it is still 'pending'. Returns whether it changed.
bool Settle(Tx& tx, int64_t id, OrderStatus to, Millis now);

}  // namespace flashsale::store::orders
