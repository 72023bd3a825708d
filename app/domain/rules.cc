#include "domain/rules.h"

namespace flashsale::domain {

store::HoldStatus EffectiveStatus(const store::HoldRecord& hold, Millis now) {
  if (hold.status == store::HoldStatus::kActive && hold.expires_at <= now) {
    return store::HoldStatus::kExpired;
  }
  return hold.status;
}

int64_t Committed(const store::ProductView& view) {
  return view.product.reserved - view.expired_units;
}

int64_t Available(const store::ProductView& view) {
  return view.product.stock - Committed(view);
}

store::ProductSnapshot Snapshot(const store::ProductView& view, Millis now) {
  store::ProductSnapshot s;
  s.id = view.product.id;
  s.name = view.product.name;
  s.price_cents = view.product.price_cents;
  s.stock = view.product.stock;
  s.available = Available(view);
  s.valid_until = view.next_expiry.value_or(now + 3600 * 1000);
  return s;
}

int64_t TotalCents(int64_t price_cents, int64_t quantity) { return price_cents * quantity; }

}  // namespace flashsale::domain
