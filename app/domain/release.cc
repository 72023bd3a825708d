#include "domain/release.h"

#include <map>

#include "domain/events.h"
#include "store/hold_repo.h"
#include "store/order_repo.h"
#include "store/product_repo.h"

namespace flashsale::domain {
namespace {

void OnCommitInvalidate(store::Tx& tx, int64_t product_id, store::ProductCache& cache) {
  tx.OnCommit([&cache, product_id] { return cache.Invalidate(product_id); });
}

}  // namespace

Released ReleaseExpired(store::Tx& tx, int64_t product_id, Millis now, int limit) {
  // Every row is locked (or skipped) before the first product row is touched.
  std::vector<store::HoldRecord> holds = store::holds::LockExpired(tx, product_id, now, limit);
  std::vector<store::OrderRecord> orders;
  if (static_cast<int>(holds.size()) < limit) {
    orders = store::orders::LockExpired(tx, product_id, now,
                                        limit - static_cast<int>(holds.size()));
  }
  std::map<int64_t, int64_t> units_by_product;  // ordered: products are locked in id order
  Released released;
  for (store::HoldRecord& hold : holds) {
    if (!store::holds::Finish(tx, hold.id, store::HoldStatus::kExpired, now)) continue;
    hold.status = store::HoldStatus::kExpired;
    events::HoldReleased(tx, hold, "expired", now);
    units_by_product[hold.product_id] += hold.quantity;
    ++released.holds;
  }
  for (store::OrderRecord& order : orders) {
    if (!store::orders::Settle(tx, order.id, store::OrderStatus::kExpired, now)) continue;
    order.status = store::OrderStatus::kExpired;
    events::OrderExpired(tx, order, now);
    units_by_product[order.product_id] += order.quantity;
    ++released.orders;
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

void ExpireOrderAndCommit(store::Tx& tx, store::OrderRecord& order, Millis now,
                          store::ProductCache& cache) {
  store::orders::Settle(tx, order.id, store::OrderStatus::kExpired, now);
  order.status = store::OrderStatus::kExpired;
  OnCommitInvalidate(tx, order.product_id, cache);  // before a call that may commit
  events::Event expired = events::OrderExpiredEvent(order);
  store::products::AdjustAndCommit(tx, order.product_id, 0, -order.quantity, now, expired.type,
                                   expired.payload);
}

}  // namespace flashsale::domain
