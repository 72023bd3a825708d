// Holds. Invariant: products.reserved always equals the units of active holds plus pending
// orders, and never exceeds stock. Only conditional, row-locked updates change it, in the same
// transaction as the hold's status change, so no interleaving of buyers can sell a unit twice.
//
// Per-buyer limit (max_per_buyer): the hold transaction of a limited product first locks the
// buyer's buyer_locks row, then sums the buyer's units (a plain read in READ COMMITTED, started
// after the lock was granted: it sees every hold the lock's previous owners committed; a buyer
// new to the product has none) and reads the limit, and refuses, or goes on with the normal
// hold: the product row stays the last row locked and the only contended one, and its update
// re-checks the limit. Whether a product is limited is known only from its row, so each worker
// guesses (limited_). A hold guessed "unlimited" requires "no limit" in its counter update, so
// it cannot miss one: refused, it reads the product and runs again with the lock. A product
// without a limit never takes a buyer lock and pays nothing but that condition.
#include "domain/hold_service.h"

#include "domain/events.h"
#include "domain/release.h"
#include "domain/rules.h"
#include "metrics/metrics.h"
#include "store/buyer_repo.h"
#include "store/hold_repo.h"
#include "store/order_repo.h"
#include "store/product_repo.h"

namespace flashsale::domain {
namespace {

Status InsufficientStock(int64_t available) {
  return Status::Conflict("insufficient_stock", "not enough units available")
      .With("available", std::max<int64_t>(available, 0));
}

Status BuyerRequired() {
  return Status::InvalidArgument("validation_failed", "request validation failed")
      .WithField("buyer_id", "is required: this product has a per-buyer limit");
}

Status BuyerLimitExceeded(int64_t limit, int64_t remaining) {
  return Status::Conflict("buyer_limit_exceeded",
                          "this hold would take the buyer over the product's per-buyer limit")
      .With("limit", limit)
      .With("remaining", remaining);
}

// An answer from the availability cache, counted as such.
Status FromCache(Status s) {
  metrics::HoldDecided(s, /*answered_by_cache=*/true);
  return s;
}

// Not an answer: the transaction ran without the buyer's lock for a product that turned out to
// have a limit. Database::Run rolls it back and runs it again (LockBuyerFirst is true then).
Status NeedsBuyerLock() {
  return Status::Retryable("per-buyer limit: running the hold again with the buyer's lock");
}

}  // namespace

bool HoldService::LockBuyerFirst(const HoldRequest& request) const {
  // Also without a buyer: the limited path then refuses before writing anything.
  return limited_.count(request.product_id) != 0;
}

void HoldService::NoteLimit(int64_t product_id, bool limited) {
  if (!limited) {
    limited_.erase(product_id);
    return;
  }
  if (limited_.size() > 4096) limited_.clear();  // bounded memory
  limited_.insert(product_id);
}

Status HoldService::CreateIn(store::Tx& tx, const HoldRequest& request, util::Millis now,
                             bool commit_with_reserve, HoldView* out,
                             std::optional<store::ProductView>* view) {
  int64_t product_id = request.product_id;
  int64_t quantity = request.quantity;
  HoldView hold;
  hold.product_id = product_id;
  hold.quantity = quantity;
  hold.buyer_id = request.buyer_id;
  hold.status = store::HoldStatus::kActive;
  hold.expires_at = now + static_cast<util::Millis>(deps_.config.hold_ttl_seconds) * 1000;
  // Registered first: the call below may commit, and if its outcome is unknown the
  // invalidation must still run (store/db.cc). Not run if the transaction rolls back.
  tx.OnCommit([this, product_id] { return deps_.cache.Invalidate(product_id); });
  bool lock_buyer = LockBuyerFirst(request);

  // The product row is locked last and, when nothing follows, released by a COMMIT inside the
  // same round trip: that lock is what every other buyer waits for.
  bool reserved = false;
  std::optional<int64_t> buyer_units;  // set once the buyer's lock is held
  if (commit_with_reserve) {
    hold.id = 0;  // the procedure puts the new id into hold_created's payload
    store::holds::InsertedHold inserted = store::holds::InsertReserveAndCommit(
        tx, hold, lock_buyer, now, events::HoldCreatedEvent(hold).payload);
    if (inserted.max_per_buyer) NoteLimit(product_id, *inserted.max_per_buyer > 0);
    switch (inserted.outcome) {
      case store::holds::InsertedHold::kBuyerRequired:
        return BuyerRequired();
      case store::holds::InsertedHold::kOverLimit:
        return BuyerLimitExceeded(inserted.max_per_buyer.value_or(0), inserted.remaining);
      case store::holds::InsertedHold::kReserved:
      case store::holds::InsertedHold::kNotReserved:
        break;
    }
    hold.id = inserted.id;
    buyer_units = inserted.buyer_units;
    reserved = inserted.outcome == store::holds::InsertedHold::kReserved;
  } else {
    // The same steps as hold_reserve_commit_v2, one statement each.
    if (lock_buyer) {
      if (request.buyer_id) {
        bool new_buyer = store::buyers::Lock(tx, product_id, *request.buyer_id);
        buyer_units = new_buyer ? 0 : store::buyers::Units(tx, product_id, *request.buyer_id, now);
      }
      std::optional<store::products::Terms> terms = store::products::TermsOf(tx, product_id);
      std::optional<int64_t> limit = terms ? terms->max_per_buyer : std::nullopt;
      NoteLimit(product_id, limit.has_value());
      if (limit && !request.buyer_id) return BuyerRequired();
      if (limit && !WithinBuyerLimit(*limit, *buyer_units, quantity)) {
        return BuyerLimitExceeded(*limit, BuyerRemaining(*limit, *buyer_units));
      }
    }
    hold.id = store::holds::Insert(tx, hold, now);
    events::HoldCreated(tx, hold, now);
    reserved = store::products::TryReserve(tx, product_id, quantity, now, buyer_units);
  }
  if (!reserved) {
    // Refused: the units are gone, the product does not exist, it has a limit this attempt did
    // not account for, or expired holds and orders nobody released yet still sit in `reserved`.
    // The view (a fresh read: READ COMMITTED) tells which; expired rows no longer count, so
    // free them and try once more.
    *view = store::products::View(tx, product_id, now);
    if (!*view) return Status::NotFound("product_not_found", "product not found");
    std::optional<int64_t> limit = (*view)->product.max_per_buyer;
    NoteLimit(product_id, limit.has_value());
    if (limit) {
      if (!request.buyer_id) return BuyerRequired();
      if (!buyer_units) return NeedsBuyerLock();
      if (!WithinBuyerLimit(*limit, *buyer_units, quantity)) {
        return BuyerLimitExceeded(*limit, BuyerRemaining(*limit, *buyer_units));
      }
    }
    if (Available(**view) < quantity) return InsufficientStock(Available(**view));
    ReleaseExpired(tx, product_id, now, kReclaimBatch);
    if (!store::products::TryReserve(tx, product_id, quantity, now, buyer_units)) {
      return InsufficientStock(Available(**view));
    }
  }
  *out = hold;
  return Status::Ok();
}

Result<HoldView> HoldService::Create(const HoldRequest& request, util::Millis now) {
  int64_t product_id = request.product_id;
  store::CacheToken token;
  if (recently_available_.count(product_id) == 0) {
    if (auto cached = deps_.cache.Get(product_id, now, &token)) {
      // The snapshot is no older than the last completed write, so "sold out" (or "limited")
      // from it is an answer the database would also have given at some instant during this
      // request.
      NoteLimit(product_id, cached->max_per_buyer.has_value());
      if (cached->max_per_buyer && !request.buyer_id) return FromCache(BuyerRequired());
      if (cached->available < request.quantity) return FromCache(InsufficientStock(cached->available));
    }
  }
  HoldView hold;
  std::optional<store::ProductView> view;
  Status s = deps_.db.Run([&](store::Tx& tx) {
    view.reset();
    return CreateIn(tx, request, now, /*commit_with_reserve=*/true, &hold, &view);
  });
  metrics::HoldDecided(s, /*answered_by_cache=*/false);
  if (s.error() == "insufficient_stock") {
    recently_available_.erase(product_id);
    // Remember "sold out" so the next buyers are answered without the database.
    if (view) deps_.cache.Put(Snapshot(*view, now), token, now);
  }
  if (!s.ok()) return s;
  if (recently_available_.size() > 4096) recently_available_.clear();  // bounded memory
  recently_available_.insert(product_id);
  return hold;
}

Result<StoredReply> HoldService::CreateIdempotent(
    const HoldRequest& request, util::Millis now, const IdempotencyKey& key,
    const std::function<StoredReply(const Result<HoldView>&)>& render) {
  // No cache shortcut here: a repeat must replay its first answer, which only the database has.
  int64_t product_id = request.product_id;
  HoldView hold;
  return RunIdempotent(
      deps_.db, key, now,
      [&](store::Tx& tx) {
        std::optional<store::ProductView> view;
        // The idempotency row is written after the work: the COMMIT stays with the caller.
        return CreateIn(tx, request, now, /*commit_with_reserve=*/false, &hold, &view);
      },
      [&](const Status& s) { return s.ok() ? render(hold) : render(s); },
      [&](store::Tx& tx) {
        tx.OnCommit([this, product_id] { return deps_.cache.Invalidate(product_id); });
      });
}

Result<HoldView> HoldService::Get(int64_t id, util::Millis now) {
  std::optional<store::HoldRecord> hold;
  Status s = deps_.db.Run([&](store::Tx& tx) {
    hold = store::holds::Find(tx, id);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!hold) return Status::NotFound("hold_not_found", "hold not found");
  hold->status = EffectiveStatus(*hold, now);
  return *hold;
}

Result<HoldView> HoldService::Release(int64_t id, util::Millis now) {
  HoldView result;
  Status s = deps_.db.Run([&](store::Tx& tx) -> Status {
    std::optional<store::HoldRecord> hold = store::holds::FindForUpdate(tx, id);
    if (!hold) return Status::NotFound("hold_not_found", "hold not found");
    if (hold->status == store::HoldStatus::kUsed) {
      Status used = Status::Conflict("hold_already_used", "the hold was turned into an order");
      if (auto order_id = store::orders::IdForHold(tx, id)) used.With("order_id", *order_id);
      return used;
    }
    if (hold->status == store::HoldStatus::kActive) {
      // An active hold past its expiry is released as what it is: expired.
      EndHold(tx, *hold, EffectiveStatus(*hold, now) == store::HoldStatus::kExpired
                             ? store::HoldStatus::kExpired
                             : store::HoldStatus::kReleased,
              now);
    }
    // Also when it was released already: the answer reports the release, and the worker that
    // made it may have died before invalidating.
    int64_t product_id = hold->product_id;
    tx.OnCommit([this, product_id] { return deps_.cache.Invalidate(product_id); });
    result = *hold;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

}  // namespace flashsale::domain
