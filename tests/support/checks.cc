// The invariant checker and database shortcuts (see checks.h).
#include "checks.h"

#include <boost/test/unit_test.hpp>
#include <sstream>
#include <stdexcept>

namespace flashsale::itest {
namespace {

std::string Cell(const SqlRow& row, size_t i) { return row.at(i).value_or("NULL"); }

// Runs `sql`; every row is a violation described as `what` followed by its columns.
void Collect(DbProbe& db, const std::string& what, const std::string& sql,
             std::vector<std::string>* out) {
  for (const SqlRow& row : db.Query(sql)) {
    std::ostringstream text;
    text << what << ":";
    for (size_t i = 0; i < row.size(); ++i) text << ' ' << Cell(row, i);
    out->push_back(text.str());
  }
}

}  // namespace

std::vector<std::string> InvariantViolations(DbProbe& db) {
  std::vector<std::string> v;
  db.Exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  try {
    Collect(db, "product with stock < 0, reserved < 0 or reserved > stock (id stock reserved)",
            "SELECT id, stock, reserved FROM products "
            "WHERE stock < 0 OR reserved < 0 OR reserved > stock",
            &v);
    Collect(db,
            "product whose reserved != active holds + pending orders "
            "(id reserved active_holds pending_orders)",
            "SELECT p.id, p.reserved, COALESCE(h.q, 0), COALESCE(o.q, 0) FROM products p "
            "LEFT JOIN (SELECT product_id, SUM(quantity) q FROM holds WHERE status = 'active' "
            "           GROUP BY product_id) h ON h.product_id = p.id "
            "LEFT JOIN (SELECT product_id, SUM(quantity) q FROM orders WHERE status = 'pending' "
            "           GROUP BY product_id) o ON o.product_id = p.id "
            "WHERE p.reserved <> COALESCE(h.q, 0) + COALESCE(o.q, 0)",
            &v);
    Collect(db,
            "order without its used hold (order status hold hold_status)",
            "SELECT o.id, o.status, o.hold_id, COALESCE(h.status, 'missing') FROM orders o "
            "LEFT JOIN holds h ON h.id = o.hold_id "
            "WHERE h.id IS NULL OR h.status <> 'used' OR h.product_id <> o.product_id "
            "   OR h.quantity <> o.quantity",
            &v);
    Collect(db, "used hold without an order (hold)",
            "SELECT h.id FROM holds h LEFT JOIN orders o ON o.hold_id = h.id "
            "WHERE h.status = 'used' AND o.id IS NULL",
            &v);
    Collect(db, "order whose total is not quantity x price (order quantity total_cents price)",
            "SELECT o.id, o.quantity, o.total_cents, p.price_cents FROM orders o "
            "JOIN products p ON p.id = o.product_id "
            "WHERE o.total_cents <> o.quantity * p.price_cents",
            &v);
    Collect(db, "order with more than one applied payment event (order count)",
            "SELECT order_id, COUNT(*) FROM payment_events WHERE outcome = 'applied' "
            "GROUP BY order_id HAVING COUNT(*) > 1",
            &v);
    Collect(db,
            "order whose status disagrees with its applied payment event "
            "(order status applied_events event_status)",
            "SELECT o.id, o.status, COUNT(e.id), COALESCE(MAX(e.status), '-') FROM orders o "
            "LEFT JOIN payment_events e ON e.order_id = o.id AND e.outcome = 'applied' "
            "GROUP BY o.id, o.status "
            "HAVING (o.status = 'pending' AND COUNT(e.id) <> 0) "
            "    OR (o.status = 'paid' AND (COUNT(e.id) <> 1 OR MAX(e.status) <> 'success')) "
            "    OR (o.status = 'cancelled' AND (COUNT(e.id) <> 1 OR MAX(e.status) <> 'failed'))"
            "    OR (o.status = 'expired' AND COUNT(e.id) <> 0)",
            &v);
    Collect(db, "payment event still deferred although its order exists (event order)",
            "SELECT e.id, e.order_id FROM payment_events e JOIN orders o ON o.id = e.order_id "
            "WHERE e.outcome = 'deferred'",
            &v);
    Collect(db, "expired order without exactly one order_expired row (order rows)",
            "SELECT o.id, COUNT(m.id) FROM orders o LEFT JOIN metrics_logs m"
            "  ON m.type = 'order_expired'"
            " AND CAST(JSON_VALUE(m.payload, '$.order_id') AS UNSIGNED) = o.id "
            "WHERE o.status = 'expired' GROUP BY o.id HAVING COUNT(m.id) <> 1",
            &v);
    Collect(db, "order_expired row for an order that is not expired (row order status)",
            "SELECT m.id, JSON_VALUE(m.payload, '$.order_id'), COALESCE(o.status, 'missing') "
            "FROM metrics_logs m LEFT JOIN orders o"
            "  ON o.id = CAST(JSON_VALUE(m.payload, '$.order_id') AS UNSIGNED) "
            "WHERE m.type = 'order_expired' AND (o.id IS NULL OR o.status <> 'expired')",
            &v);
  } catch (...) {
    db.Exec("ROLLBACK");
    throw;
  }
  db.Exec("COMMIT");
  return v;
}

void CheckInvariants(DbProbe& db, const std::string& context) {
  std::vector<std::string> violations = InvariantViolations(db);
  std::ostringstream text;
  for (const std::string& line : violations) text << "\n  " << line;
  BOOST_TEST(violations.empty(), "invariants violated after " << context << ":" << text.str());
}

DbProduct ReadDbProduct(DbProbe& db, int64_t product_id) {
  std::vector<SqlRow> rows =
      db.Query("SELECT stock, reserved, price_cents FROM products WHERE id = ?", {product_id});
  if (rows.empty()) throw std::runtime_error("no product " + std::to_string(product_id));
  return {std::stoll(*rows[0][0]), std::stoll(*rows[0][1]), std::stoll(*rows[0][2])};
}

int64_t CountHolds(DbProbe& db, int64_t product_id, const std::string& status) {
  if (status.empty()) return db.Int("SELECT COUNT(*) FROM holds WHERE product_id = ?", {product_id});
  return db.Int("SELECT COUNT(*) FROM holds WHERE product_id = ? AND status = ?",
                {product_id, status});
}

int64_t CountOrders(DbProbe& db, int64_t product_id, const std::string& status) {
  if (status.empty()) {
    return db.Int("SELECT COUNT(*) FROM orders WHERE product_id = ?", {product_id});
  }
  return db.Int("SELECT COUNT(*) FROM orders WHERE product_id = ? AND status = ?",
                {product_id, status});
}

std::string HoldStatus(DbProbe& db, int64_t hold_id) {
  return db.Str("SELECT status FROM holds WHERE id = ?", {hold_id});
}

std::string OrderStatus(DbProbe& db, int64_t order_id) {
  return db.Str("SELECT status FROM orders WHERE id = ?", {order_id});
}

int64_t CountMetricsFor(DbProbe& db, const std::string& type, int64_t after_id,
                        const std::string& field, int64_t value) {
  return db.Int(
      "SELECT COUNT(*) FROM metrics_logs WHERE type = ? AND id > ? "
      "AND CAST(JSON_VALUE(payload, CONCAT('$.', ?)) AS SIGNED) = ?",
      {type, after_id, field, value});
}

}  // namespace flashsale::itest
