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
constexpr Millis kIdempotencyRetentionMs = 24LL * 3600 * 1000;
constexpr int kReclaimBatch = 1000;  // expired holds a hold request may release inline

// A hold past its expires_at no longer counts, whether or not anything has released it yet.
store::HoldStatus EffectiveStatus(const store::HoldRecord& hold, Millis now);

// stock - (active, unexpired holds) - (pending orders). `reserved` still counts holds that
// expired without being released; the view says how many units those are.
int64_t Available(const store::ProductView& view);

// Units that must stay covered by stock: unexpired holds and pending orders.
int64_t Committed(const store::ProductView& view);

// The view as the cache keeps it: valid until the next hold expires (or an hour if none).
store::ProductSnapshot Snapshot(const store::ProductView& view, Millis now);

// price x quantity in cents. REQUIRES: price <= kMaxPriceCents, quantity <= kMaxQuantity.
int64_t TotalCents(int64_t price_cents, int64_t quantity);

}  // namespace flashsale::domain
