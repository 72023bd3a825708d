// Payment events. Invariants: a key is recorded once (UNIQUE) and applied at most once; an order
// goes pending -> paid, pending -> cancelled or pending -> expired at most once.
//
// Why a webhook and the creation of its order cannot miss each other: the webhook reads the
// order with a locking read. If the order is being inserted, that read waits for the insert's
// commit and then sees it. If the order does not exist yet, the read locks the gap where its id
// will go (REPEATABLE READ next-key locking: this transaction asks for that level, the others
// run in READ COMMITTED), so the order's INSERT waits until the webhook has committed its
// deferred event, and the order's transaction then finds and applies it.
//
// Payment window: whether a payment beats the order's expiry is decided by the clock read under
// the order's row lock. Before expires_at it settles the order. From expires_at on the order is
// expired (released here if nothing did it yet); a `success` then writes payment_after_expiry,
// the record a refund is made from. Everyone who expires an order (the job, a hold request
// reclaiming units, GET reading it) decides with a clock read no earlier than its own lock, so
// an order seen expired is never paid afterwards, and a paid one never expires.
#include "domain/payment_service.h"

#include <algorithm>

#include "domain/events.h"
#include "domain/release.h"
#include "domain/rules.h"
#include "metrics/metrics.h"
#include "store/buyer_repo.h"
#include "store/order_repo.h"
#include "store/payment_repo.h"
#include "store/product_repo.h"

namespace flashsale::domain {
namespace {

// The webhook's outcome for GET /metrics.
const char* Outcome(const PaymentResult& r, store::PaymentStatus status) {
  if (r.duplicate) return "duplicate";
  if (r.deferred) return "deferred";
  if (r.applied) return "applied";
  if (r.order_status == store::OrderStatus::kExpired && status == store::PaymentStatus::kSuccess) {
    return "after_expiry";
  }
  return "ignored";
}

}  // namespace

Result<PaymentResult> PaymentService::Apply(const std::string& key, int64_t order_id,
                                            store::PaymentStatus status, util::Millis now) {
  PaymentResult result;
  Status s = deps_.db.Run([&](store::Tx& tx) -> Status {
    result = PaymentResult{};
    result.order_id = order_id;
    // The order first (locked, or its gap locked): its state decides the event's outcome, so
    // the event row is written once, with that outcome.
    std::optional<store::OrderRecord> order = store::orders::FindForUpdate(tx, order_id);
    if (order && order->status == store::OrderStatus::kPending && order->buyer_id) {
      // A limited product's buyer: a hold of the same buyer that counts this order as expired
      // must not run beside a payment that finds it still payable. Both take the buyer's lock.
      std::optional<store::products::Terms> terms =
          store::products::TermsOf(tx, order->product_id);
      if (terms && terms->max_per_buyer) {
        store::buyers::Lock(tx, order->product_id, *order->buyer_id);
      }
    }
    util::Millis decided_at = std::max(now, util::NowMillis());  // under the order's row lock
    std::optional<store::OrderStatus> effective;
    if (order) effective = EffectiveStatus(*order, decided_at);
    store::PaymentOutcome outcome = !order ? store::PaymentOutcome::kDeferred
                                    : *effective == store::OrderStatus::kPending
                                        ? store::PaymentOutcome::kApplied
                                        : store::PaymentOutcome::kIgnored;
    store::PaymentEventRecord event{0, key, order_id, status, outcome};

    if (order) {
      // Every answer about an existing order leaves the cache no older than the order: a replay
      // reports the change its first delivery made, whose worker may have died before it
      // invalidated. (SettleOrder and ExpireOrderAndCommit register the same hook.)
      int64_t product_id = order->product_id;
      if (outcome != store::PaymentOutcome::kApplied) {
        tx.OnCommit([this, product_id] { return deps_.cache.Invalidate(product_id); });
      }
    }
    if (!store::payments::TryInsert(tx, event, decided_at)) {
      // A replay: same key. It must describe the same event, and it changes nothing.
      std::optional<store::PaymentEventRecord> first = store::payments::FindByKey(tx, key);
      if (!first) return Status::Retryable("payment event vanished");
      if (first->order_id != order_id || first->status != status) {
        return Status::Conflict("idempotency_key_reused",
                                "this idempotency_key was used for another order or status");
      }
      result.duplicate = true;
      if (first->outcome == store::PaymentOutcome::kDeferred) {
        result.deferred = true;
        return Status::Ok();
      }
      if (!order) return Status::Internal("settled payment event without order");
      result.order_status = *effective;
      result.applied = first->outcome == store::PaymentOutcome::kApplied;
      return Status::Ok();
    }

    switch (outcome) {
      case store::PaymentOutcome::kDeferred:
        events::PaymentDeferred(tx, event, decided_at);
        result.deferred = true;
        return Status::Ok();
      case store::PaymentOutcome::kIgnored:
        result.order_status = *effective;
        if (*effective == store::OrderStatus::kExpired) {
          // Too late: the buyer paid for an order whose window had closed.
          if (status == store::PaymentStatus::kSuccess) {
            events::PaymentAfterExpiry(tx, *order, key, decided_at);
          }
          // Past expires_at but not released yet: release it now (the COMMIT comes with it).
          if (order->status == store::OrderStatus::kPending) {
            ExpireOrderAndCommit(tx, *order, decided_at, deps_.cache);
          }
        }
        return Status::Ok();
      case store::PaymentOutcome::kApplied:
        SettleOrder(tx, *order, status, key, decided_at, deps_.cache, /*commit_now=*/true);
        result.order_status = order->status;
        result.applied = true;
        return Status::Ok();
    }
    return Status::Internal("unknown payment outcome");
  }, store::Database::Isolation::kRepeatableRead);  // the gap lock on a missing order (above)
  metrics::WebhookDecided(s, Outcome(result, status), store::ToString(status));
  if (!s.ok()) return s;
  return result;
}

}  // namespace flashsale::domain
