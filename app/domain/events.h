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

void HoldCreated(store::Tx& tx, const store::HoldRecord& hold, Millis now);
// reason: "released" (DELETE by the client) or "expired" (expiry job or inline reclaim).
void HoldReleased(store::Tx& tx, const store::HoldRecord& hold, const char* reason, Millis now);
void HoldsBatchReleased(store::Tx& tx, int64_t released, int64_t batches, Millis now);
void OrderCreated(store::Tx& tx, const store::OrderRecord& order, Millis now);
// order_paid or order_cancelled, by the order's new status.
void OrderSettled(store::Tx& tx, const store::OrderRecord& order, const std::string& key,
                  Millis now);
void PaymentDeferred(store::Tx& tx, const store::PaymentEventRecord& event, Millis now);
void ProductCreated(store::Tx& tx, const store::ProductRecord& product, Millis now);
void ProductUpdated(store::Tx& tx, const store::ProductRecord& before,
                    const store::ProductRecord& after, Millis now);

}  // namespace flashsale::domain::events
