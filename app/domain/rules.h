// Checkout rules as pure functions: no I/O, time passed in, so they can be tested in isolation
// (tests/unit/rules_test.cc) and read in one place.
#pragma once

#include <cstdint>
#include <optional>

#include "store/product_cache.h"
#include "store/records.h"

namespace flashsale::domain {

using util::Millis;

constexpr int64_t kMinQuantity = 1;
constexpr int64_t kMaxQuantity = 1000000;
constexpr int64_t kMaxStock = 1000000000;         // units per product
constexpr int64_t kMaxPriceCents = 100000000;     // 1,000,000.00: price x quantity stays exact
constexpr int64_t kMaxPerBuyer = kMaxStock;       // max_per_buyer: 1..this, or no limit
constexpr size_t kMaxBuyerIdLength = 255;         // characters
constexpr Millis kIdempotencyRetentionMs = 24LL * 3600 * 1000;
constexpr int kReclaimBatch = 1000;  // expired holds (and orders) a hold request may release

// A hold past its expires_at no longer counts, whether or not anything has released it yet.
store::HoldStatus EffectiveStatus(const store::HoldRecord& hold, Millis now);

// The payment window: a pending order past its expires_at is expired, whether or not anything
// has released it yet. Before expires_at a payment settles it; from expires_at on it cannot.
store::OrderStatus EffectiveStatus(const store::OrderRecord& order, Millis now);

// expires_at as answers show it: the deadline of a pending order (and when an expired one
// expired); none once the order is paid or cancelled.
std::optional<Millis> ShownExpiry(const store::OrderRecord& order);

// Units still counted in `reserved` that no longer count: holds and pending orders past their
// expires_at that nobody released yet.
int64_t ExpiredUnits(const store::ProductView& view);

// stock - (active, unexpired holds) - (pending, unexpired orders).
int64_t Available(const store::ProductView& view);

// Units that must stay covered by stock: unexpired holds and unexpired pending orders.
int64_t Committed(const store::ProductView& view);

// The next instant a hold or a pending order expires: until then availability cannot change
// without a write.
std::optional<Millis> NextExpiry(const store::ProductView& view);

// The view as the cache keeps it: valid until the next hold or order expiry (or an hour if
// none).
store::ProductSnapshot Snapshot(const store::ProductView& view, Millis now);

// Per-buyer limit: `used` units of this buyer (active unexpired holds + pending unexpired
// orders + paid orders) plus `quantity` must stay within `limit`.
bool WithinBuyerLimit(int64_t limit, int64_t used, int64_t quantity);
// What the buyer may still take (never negative: a lowered limit can leave a buyer above it).
int64_t BuyerRemaining(int64_t limit, int64_t used);

// price x quantity in cents. REQUIRES: price <= kMaxPriceCents, quantity <= kMaxQuantity.
int64_t TotalCents(int64_t price_cents, int64_t quantity);

}  // namespace flashsale::domain
