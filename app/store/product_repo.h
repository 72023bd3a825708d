// Products table. The counters are only ever changed by single conditional UPDATEs, so two
// transactions can never both take the last unit: the row lock orders them and the WHERE clause
// re-checks the condition on the latest committed values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::products {

// A new product with reserved = 0 (product.id and product.reserved are ignored); returns its id.
int64_t Insert(Tx& tx, const ProductRecord& product, Millis now);

// Counters plus the expiry facts readers need, in one round trip (consistent read, no lock).
std::optional<ProductView> View(Tx& tx, int64_t id, Millis now);

// The price and the per-buyer limit, nullopt for an unknown product (consistent read, no lock:
// the hot row's counters are not needed to price an order or to know its limit).
struct Terms {
  int64_t price_cents = 0;
  std::optional<int64_t> max_per_buyer;
};
std::optional<Terms> TermsOf(Tx& tx, int64_t id);

// Same as View, but locks the product row first (operator updates).
std::optional<ProductView> ViewForUpdate(Tx& tx, int64_t id, Millis now);

// reserved += quantity if stock - reserved >= quantity and the per-buyer limit allows it. False
// when the units are not there, the limit does not allow it, or the product does not exist.
// buyer_units: the units of the buyer (whose lock the caller holds) already counted against the
// limit, and the product's limit, if any, must allow buyer_units + quantity; nullopt: the caller
// did not check a limit, and the product must have none (a limit set meanwhile is not missed).
// REQUIRES: the last statement of its transaction, so the hot row stays locked only for the
// COMMIT that follows.
bool TryReserve(Tx& tx, int64_t id, int64_t quantity, Millis now,
                const std::optional<int64_t>& buyer_units);

// stock += stock_delta, reserved += reserved_delta, then COMMIT, in one round trip
// (sql/migrations/002_counter_commit.sql; giving units back or selling them never fails the
// availability check). With event_type set, that metrics row is inserted first in the same call.
// REQUIRES: the last write of tx.
void AdjustAndCommit(Tx& tx, int64_t id, int64_t stock_delta, int64_t reserved_delta, Millis now,
                     const std::string& event_type = "", const std::string& event_payload = "");

// reserved -= quantity (a hold released or expired, an order cancelled).
void Unreserve(Tx& tx, int64_t id, int64_t quantity, Millis now);

// stock -= quantity and reserved -= quantity (a pending order paid).
void Sell(Tx& tx, int64_t id, int64_t quantity, Millis now);

// name, price, stock and max_per_buyer of product.id := product's.
void Update(Tx& tx, const ProductRecord& product, Millis now);

}  // namespace flashsale::store::products
