// The metrics_logs vocabulary: one function per event type, each writing its row inside the
// caller's transaction, so the row exists if and only if the change it records committed.
#pragma once

#include <cstdint>
#include <string>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::domain::events {

using util::Millis;

// A metrics row not yet written: for store calls that write it in the same round trip as the
// change (store/product_repo.h AdjustAndCommit).
struct Event {
  std::string type;
  std::string payload;  // JSON object text
};

Event HoldCreatedEvent(const store::HoldRecord& hold);
Event OrderSettledEvent(const store::OrderRecord& order, const std::string& key);
// order_expired: {"order_id", "product_id", "quantity", "expires_at"}, written by whoever
// releases the order (the expiry job, a hold request that needs its units, a late webhook).
Event OrderExpiredEvent(const store::OrderRecord& order);

void HoldCreated(store::Tx& tx, const store::HoldRecord& hold, Millis now);
// reason: "released" (DELETE by the client) or "expired" (expiry job or inline reclaim).
void HoldReleased(store::Tx& tx, const store::HoldRecord& hold, const char* reason, Millis now);
// One row per expiry-job transaction that released holds or expired orders, in that
// transaction, so the log covers exactly what committed even if the run dies after it:
// {"released": holds in this batch, "orders_expired": orders in this batch,
//  "batch": its number in the run (1, 2...), "run_id": random per run,
//  "lock": "redis" or "mariadb" (which lock the run held)}.
struct BatchReleased {
  int64_t released = 0;
  int64_t orders_expired = 0;
  int64_t batch = 0;
  std::string run_id;
  std::string lock;
};
void HoldsBatchReleased(store::Tx& tx, const BatchReleased& batch, Millis now);
void OrderCreated(store::Tx& tx, const store::OrderRecord& order, Millis now);
// order_paid or order_cancelled, by the order's new status.
void OrderSettled(store::Tx& tx, const store::OrderRecord& order, const std::string& key,
                  Millis now);
void OrderExpired(store::Tx& tx, const store::OrderRecord& order, Millis now);
// payment_after_expiry: a `success` webhook for an order whose payment window had closed. The
// buyer paid and the order stays expired: the row is what a refund is made from.
// {"order_id", "product_id", "quantity", "total_price", "idempotency_key", "expires_at"}.
void PaymentAfterExpiry(store::Tx& tx, const store::OrderRecord& order, const std::string& key,
                        Millis now);
void PaymentDeferred(store::Tx& tx, const store::PaymentEventRecord& event, Millis now);
void ProductCreated(store::Tx& tx, const store::ProductRecord& product, Millis now);
void ProductUpdated(store::Tx& tx, const store::ProductRecord& before,
                    const store::ProductRecord& after, Millis now);

}  // namespace flashsale::domain::events
