// Database-side checks shared by the tests, above all the invariant checker run after every
// concurrent test (schema: sql/migrations/001_domain.sql):
//   - every product: 0 <= reserved <= stock;
//   - reserved = SUM(quantity of holds in status 'active') + SUM(quantity of orders in status
//     'pending'): holds and orders past expires_at count until someone releases them;
//   - every pending/paid/cancelled order uses exactly one hold, in status 'used', of the same
//     product and quantity, and every used hold has its order;
//   - total_cents = quantity x the product's price;
//   - at most one applied payment event per order; a settled order has exactly one, agreeing
//     with its status; a pending or expired order has none;
//   - an expired order has exactly one order_expired row, and no other order has one;
//   - no payment event is still deferred once its order exists.
// All of it is read in one consistent snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db_probe.h"

namespace flashsale::itest {

// Human-readable violations; empty when every invariant holds.
std::vector<std::string> InvariantViolations(DbProbe& db);

// BOOST_TEST on InvariantViolations, with `context` (the test's situation) in the message.
void CheckInvariants(DbProbe& db, const std::string& context);

struct DbProduct {
  int64_t stock = 0;
  int64_t reserved = 0;
  int64_t price_cents = 0;
};
DbProduct ReadDbProduct(DbProbe& db, int64_t product_id);  // throws when missing

// Holds of a product by status ("active", "used", ...); "" counts all.
int64_t CountHolds(DbProbe& db, int64_t product_id, const std::string& status = "");
int64_t CountOrders(DbProbe& db, int64_t product_id, const std::string& status = "");
std::string HoldStatus(DbProbe& db, int64_t hold_id);
std::string OrderStatus(DbProbe& db, int64_t order_id);

// metrics_logs rows of `type` after `after_id` whose payload field `field` equals `value`.
int64_t CountMetricsFor(DbProbe& db, const std::string& type, int64_t after_id,
                        const std::string& field, int64_t value);

}  // namespace flashsale::itest
