// Orders. Invariants: a hold turns into at most one order (the hold row is locked and must be
// 'active' and unexpired; orders.hold_id is UNIQUE besides), and an order changes status at most
// once (settling or expiring requires 'pending' under the order's row lock). A pending order
// waits order_ttl_seconds for its payment; from expires_at on it reads as 'expired' and its
// units count as available, whether or not anything has released it yet.
#include "domain/order_service.h"

#include <algorithm>

#include "domain/events.h"
#include "domain/release.h"
#include "domain/rules.h"
#include "metrics/metrics.h"
#include "store/buyer_repo.h"
#include "store/hold_repo.h"
#include "store/order_repo.h"
#include "store/payment_repo.h"
#include "store/product_repo.h"

namespace flashsale::domain {

Status OrderService::CreateIn(store::Tx& tx, int64_t hold_id, util::Millis now,
                              store::OrderRecord* out) {
  std::optional<store::HoldRecord> hold = store::holds::FindForUpdate(tx, hold_id);
  if (!hold) return Status::NotFound("hold_not_found", "hold not found");
  std::optional<store::products::Terms> terms = store::products::TermsOf(tx, hold->product_id);
  if (!terms) return Status::Internal("hold without product");
  // A limited product's buyer: a hold of the same buyer that counts this one as expired must
  // not run beside an order that finds it still active. Both take the buyer's lock, and this
  // order then decides with a clock read after it (below).
  if (hold->buyer_id && terms->max_per_buyer) {
    store::buyers::Lock(tx, hold->product_id, *hold->buyer_id);
  }
  // Whether the hold has expired is decided by the clock under its row lock, as a webhook
  // decides under the order's (a request that waited for the lock decides when it got it).
  now = std::max(now, util::NowMillis());
  switch (EffectiveStatus(*hold, now)) {
    case store::HoldStatus::kUsed: {
      Status used = Status::Conflict("hold_already_used", "the hold was already turned into an order");
      if (auto order_id = store::orders::IdForHold(tx, hold_id)) used.With("order_id", *order_id);
      return used;
    }
    case store::HoldStatus::kReleased:
      return Status::Conflict("hold_released", "the hold was released");
    case store::HoldStatus::kExpired:
      return Status::Conflict("hold_expired", "the hold has expired");
    case store::HoldStatus::kActive:
      break;
  }

  store::OrderRecord order;
  order.hold_id = hold->id;
  order.product_id = hold->product_id;
  order.quantity = hold->quantity;
  order.buyer_id = hold->buyer_id;
  order.total_cents = TotalCents(terms->price_cents, hold->quantity);
  order.status = store::OrderStatus::kPending;
  order.expires_at = now + static_cast<util::Millis>(deps_.config.order_ttl_seconds) * 1000;
  order.id = store::orders::Insert(tx, order, now);
  store::holds::Finish(tx, hold->id, store::HoldStatus::kUsed, now);
  events::OrderCreated(tx, order, now);

  // A webhook may have come first (see payment_service.cc for why it cannot slip between).
  std::vector<store::PaymentEventRecord> deferred = store::payments::LockDeferred(tx, order.id);
  for (size_t i = 0; i < deferred.size(); ++i) {
    store::payments::SetOutcome(tx, deferred[i].idempotency_key,
                                i == 0 ? store::PaymentOutcome::kApplied
                                       : store::PaymentOutcome::kIgnored,
                                now);
  }
  if (!deferred.empty()) {
    // The earliest event wins, as if it had arrived just after this order; the product row last.
    SettleOrder(tx, order, deferred[0].status, deferred[0].idempotency_key, now, deps_.cache,
                /*commit_now=*/false);
  }
  *out = order;
  return Status::Ok();
}

Result<store::OrderRecord> OrderService::Create(int64_t hold_id, util::Millis now) {
  store::OrderRecord order;
  Status s = deps_.db.Run([&](store::Tx& tx) { return CreateIn(tx, hold_id, now, &order); });
  metrics::OrderDecided(s);
  if (!s.ok()) return s;
  return order;
}

Result<StoredReply> OrderService::CreateIdempotent(
    int64_t hold_id, util::Millis now, const IdempotencyKey& key,
    const std::function<StoredReply(const Result<store::OrderRecord>&)>& render) {
  store::OrderRecord order;
  return RunIdempotent(
      deps_.db, key, now, [&](store::Tx& tx) { return CreateIn(tx, hold_id, now, &order); },
      [&](const Status& s) { return s.ok() ? render(order) : render(s); },
      [&](store::Tx& tx) {
        // The first run may have settled the order from a deferred webhook (units changed).
        if (auto hold = store::holds::Find(tx, hold_id)) {
          int64_t product_id = hold->product_id;
          tx.OnCommit([this, product_id] { return deps_.cache.Invalidate(product_id); });
        }
      });
}

Result<store::OrderRecord> OrderService::Get(int64_t id, util::Millis now) {
  std::optional<store::OrderRecord> order;
  Status s = deps_.db.Run([&](store::Tx& tx) {
    order = store::orders::Find(tx, id);
    if (order && order->status == store::OrderStatus::kPending) {
      // Pending: read it again under a shared lock and only then look at the clock. A webhook
      // deciding "paid" holds the row's lock until it commits, and one that comes after this
      // read decides with a later clock: so an order read as expired never turns paid.
      order = store::orders::FindShared(tx, id);
      now = std::max(now, util::NowMillis());
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!order) return Status::NotFound("order_not_found", "order not found");
  order->status = EffectiveStatus(*order, now);
  return *order;
}

}  // namespace flashsale::domain
