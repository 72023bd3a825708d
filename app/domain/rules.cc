#include "domain/rules.h"

#include <algorithm>

namespace flashsale::domain {

store::HoldStatus EffectiveStatus(const store::HoldRecord& hold, Millis now) {
  if (hold.status == store::HoldStatus::kActive && hold.expires_at <= now) {
    return store::HoldStatus::kExpired;
  }
  return hold.status;
}

store::OrderStatus EffectiveStatus(const store::OrderRecord& order, Millis now) {
  if (order.status == store::OrderStatus::kPending && order.expires_at <= now) {
    return store::OrderStatus::kExpired;
  }
  return order.status;
}

std::optional<Millis> ShownExpiry(const store::OrderRecord& order) {
  if (order.status == store::OrderStatus::kPaid || order.status == store::OrderStatus::kCancelled) {
    return std::nullopt;
  }
  return order.expires_at;
}

int64_t ExpiredUnits(const store::ProductView& view) {
  return view.expired_hold_units + view.expired_order_units;
}

int64_t Committed(const store::ProductView& view) {
  return view.product.reserved - ExpiredUnits(view);
}

int64_t Available(const store::ProductView& view) {
  return view.product.stock - Committed(view);
}

std::optional<Millis> NextExpiry(const store::ProductView& view) {
  if (!view.next_hold_expiry) return view.next_order_expiry;
  if (!view.next_order_expiry) return view.next_hold_expiry;
  return std::min(*view.next_hold_expiry, *view.next_order_expiry);
}

store::ProductSnapshot Snapshot(const store::ProductView& view, Millis now) {
  store::ProductSnapshot s;
  s.id = view.product.id;
  s.name = view.product.name;
  s.price_cents = view.product.price_cents;
  s.stock = view.product.stock;
  s.available = Available(view);
  s.max_per_buyer = view.product.max_per_buyer;
  s.valid_until = NextExpiry(view).value_or(now + 3600 * 1000);
  return s;
}

bool WithinBuyerLimit(int64_t limit, int64_t used, int64_t quantity) {
  return used + quantity <= limit;
}

int64_t BuyerRemaining(int64_t limit, int64_t used) { return std::max<int64_t>(limit - used, 0); }

int64_t TotalCents(int64_t price_cents, int64_t quantity) { return price_cents * quantity; }

}  // namespace flashsale::domain
