// Products. Invariant: stock never drops below the units it must cover (unexpired holds and
// pending orders); the operator's update checks it under the product's row lock.
#include "domain/product_service.h"

#include "domain/events.h"
#include "domain/release.h"
#include "domain/rules.h"
#include "store/buyer_repo.h"
#include "store/product_repo.h"
#include "util/fault_point.h"

namespace flashsale::domain {

Result<store::ProductSnapshot> ProductService::Get(int64_t id, util::Millis now) {
  store::CacheToken token;
  if (auto hit = deps_.cache.Get(id, now, &token)) return *hit;

  std::optional<store::ProductView> view;
  Status s = deps_.db.Run([&](store::Tx& tx) {
    view = store::products::View(tx, id, now);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!view) return Status::NotFound("not_found", "product not found");
  store::ProductSnapshot snapshot = Snapshot(*view, now);
  util::FaultPoint("cache.before_fill");  // the reader's race with writers (product_cache.h)
  deps_.cache.Put(snapshot, token, now);
  return snapshot;
}

Result<store::ProductSnapshot> ProductService::Create(const store::ProductRecord& product,
                                                      util::Millis now) {
  store::ProductView view;
  Status s = deps_.db.Run([&](store::Tx& tx) {
    view = store::ProductView{};
    view.product = product;
    view.product.reserved = 0;
    view.product.id = store::products::Insert(tx, product, now);
    events::ProductCreated(tx, view.product, now);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return Snapshot(view, now);
}

Result<store::ProductSnapshot> ProductService::Update(int64_t id, const ProductPatch& patch,
                                                      util::Millis now) {
  std::optional<store::ProductView> after;
  Status s = deps_.db.Run([&](store::Tx& tx) -> Status {
    std::optional<store::ProductView> before = store::products::ViewForUpdate(tx, id, now);
    if (!before) return Status::NotFound("not_found", "product not found");
    store::ProductRecord next = before->product;
    if (patch.name) next.name = *patch.name;
    if (patch.price_cents) next.price_cents = *patch.price_cents;
    if (patch.stock) next.stock = *patch.stock;
    if (patch.max_per_buyer) next.max_per_buyer = *patch.max_per_buyer;
    int64_t committed = Committed(*before);
    if (next.stock < committed) {
      return Status::Conflict("stock_below_reserved",
                              "stock cannot go below the units held and pending")
          .With("reserved", committed);
    }
    // Expired holds and orders still counted in `reserved` would trip the table's
    // stock >= reserved check.
    if (next.stock < before->product.reserved) ReleaseExpired(tx, id, now, 1 << 30);
    if (next.max_per_buyer && !before->product.max_per_buyer) {
      // A new limit: every buyer who already has units gets a buyer_locks row, so that a hold
      // finding no row may count the buyer's units as none (store/buyer_repo.h). Holds still on
      // their way commit before this (they update the product row, locked here) or are refused
      // by their counter update, which requires "no limit", and run again as limited.
      store::buyers::CreateForExistingBuyers(tx, id);
    }
    store::products::Update(tx, next, now);
    events::ProductUpdated(tx, before->product, next, now);
    // No second read: releasing expired rows lowers `reserved` and the expired units alike,
    // so availability is the old view with the new fields.
    after = *before;
    after->product = next;
    tx.OnCommit([this, id] { return deps_.cache.Invalidate(id); });
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return Snapshot(*after, now);
}

}  // namespace flashsale::domain
