#include "domain/release.h"

#include <map>

#include "domain/events.h"
#include "store/hold_repo.h"
#include "store/order_repo.h"
#include "store/product_repo.h"

namespace flashsale::domain {
namespace {

void OnCommitInvalidate(store::Tx& tx, int64_t product_id, store::ProductCache& cache) {
  tx.OnCommit([&cache, product_id] { cache.Invalidate(product_id); });
}

}  // namespace

int64_t ReleaseExpiredHolds(store::Tx& tx, int64_t product_id, Millis now, int limit) {
  std::vector<store::HoldRecord> expired = store::holds::LockExpired(tx, product_id, now, limit);
  std::map<int64_t, int64_t> units_by_product;  // ordered: products are locked in id order
  int64_t released = 0;
  for (store::HoldRecord& hold : expired) {
    if (!store::holds::Finish(tx, hold.id, store::HoldStatus::kExpired, now)) continue;
    hold.status = store::HoldStatus::kExpired;
    events::HoldReleased(tx, hold, "expired", now);
    units_by_product[hold.product_id] += hold.quantity;
    ++released;
  }
  for (const auto& [id, units] : units_by_product) store::products::Unreserve(tx, id, units, now);
  return released;
}

void EndHold(store::Tx& tx, store::HoldRecord& hold, store::HoldStatus to, Millis now) {
  store::holds::Finish(tx, hold.id, to, now);
  hold.status = to;
  events::HoldReleased(tx, hold, to == store::HoldStatus::kReleased ? "released" : "expired", now);
  store::products::Unreserve(tx, hold.product_id, hold.quantity, now);
}

void SettleOrder(store::Tx& tx, store::OrderRecord& order, store::PaymentStatus payment,
                 const std::string& idempotency_key, Millis now, store::ProductCache& cache,
                 bool commit_now) {
  bool paid = payment == store::PaymentStatus::kSuccess;
  order.status = paid ? store::OrderStatus::kPaid : store::OrderStatus::kCancelled;
  store::orders::Settle(tx, order.id, order.status, now);
  int64_t stock_delta = paid ? -order.quantity : 0;
  OnCommitInvalidate(tx, order.product_id, cache);  // before a call that may commit
  if (commit_now) {
    // The metrics row, the counters and the COMMIT in one round trip.
    events::Event settled = events::OrderSettledEvent(order, idempotency_key);
    store::products::AdjustAndCommit(tx, order.product_id, stock_delta, -order.quantity, now,
                                     settled.type, settled.payload);
    return;
  }
  events::OrderSettled(tx, order, idempotency_key, now);
  if (paid) {
    store::products::Sell(tx, order.product_id, order.quantity, now);
  } else {
    store::products::Unreserve(tx, order.product_id, order.quantity, now);
  }
}

}  // namespace flashsale::domain
