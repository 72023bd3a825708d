#include "store/product_repo.h"

namespace flashsale::store::products {
namespace {

// The subqueries use the (product_id, status, expires_at) indexes of holds and orders: two sum
// only what expired without being released yet, two find the next expiry in O(log n).
const char kViewSql[] =
    "SELECT p.id, p.name, p.price_cents, p.stock, p.reserved, p.max_per_buyer,"
    " (SELECT COALESCE(SUM(h.quantity), 0) FROM holds h"
    "   WHERE h.product_id = p.id AND h.status = 'active' AND h.expires_at <= ?),"
    " (SELECT MIN(h.expires_at) FROM holds h"
    "   WHERE h.product_id = p.id AND h.status = 'active' AND h.expires_at > ?),"
    " (SELECT COALESCE(SUM(o.quantity), 0) FROM orders o"
    "   WHERE o.product_id = p.id AND o.status = 'pending' AND o.expires_at <= ?),"
    " (SELECT MIN(o.expires_at) FROM orders o"
    "   WHERE o.product_id = p.id AND o.status = 'pending' AND o.expires_at > ?)"
    " FROM products p WHERE p.id = ?";

std::optional<ProductView> ReadView(Tx& tx, const std::string& sql, int64_t id, Millis now) {
  std::string at = util::FormatSqlTime(now);
  auto rows = tx.Query(sql, {at, at, at, at, id});
  if (!rows->Next()) return std::nullopt;
  ProductView v;
  v.product.id = rows->Int(1);
  v.product.name = rows->Str(2);
  v.product.price_cents = rows->Int(3);
  v.product.stock = rows->Int(4);
  v.product.reserved = rows->Int(5);
  if (!rows->IsNull(6)) v.product.max_per_buyer = rows->Int(6);
  v.expired_hold_units = rows->Int(7);
  if (!rows->IsNull(8)) v.next_hold_expiry = util::ParseSqlTime(rows->Str(8));
  v.expired_order_units = rows->Int(9);
  if (!rows->IsNull(10)) v.next_order_expiry = util::ParseSqlTime(rows->Str(10));
  return v;
}

Param Limit(const std::optional<int64_t>& max_per_buyer) {
  return max_per_buyer ? Param(*max_per_buyer) : Param(nullptr);
}

}  // namespace

int64_t Insert(Tx& tx, const ProductRecord& product, Millis now) {
  std::string at = util::FormatSqlTime(now);
  auto rows = tx.Query(
      "INSERT INTO products (name, price_cents, stock, reserved, max_per_buyer, created_at,"
      " updated_at) VALUES (?, ?, ?, 0, ?, ?, ?) RETURNING id",
      {product.name, product.price_cents, product.stock, Limit(product.max_per_buyer), at, at});
  rows->Next();
  return rows->Int(1);
}

std::optional<ProductView> View(Tx& tx, int64_t id, Millis now) {
  return ReadView(tx, kViewSql, id, now);
}

std::optional<Terms> TermsOf(Tx& tx, int64_t id) {
  auto rows = tx.Query("SELECT price_cents, max_per_buyer FROM products WHERE id = ?", {id});
  if (!rows->Next()) return std::nullopt;
  Terms t;
  t.price_cents = rows->Int(1);
  if (!rows->IsNull(2)) t.max_per_buyer = rows->Int(2);
  return t;
}

std::optional<ProductView> ViewForUpdate(Tx& tx, int64_t id, Millis now) {
  auto lock = tx.Query("SELECT id FROM products WHERE id = ? FOR UPDATE", {id});
  if (!lock->Next()) return std::nullopt;
  return ReadView(tx, kViewSql, id, now);
}

bool TryReserve(Tx& tx, int64_t id, int64_t quantity, Millis now,
                const std::optional<int64_t>& buyer_units) {
  if (!buyer_units) {
    return tx.Exec(
               "UPDATE products SET reserved = reserved + ?, updated_at = ?"
               " WHERE id = ? AND stock - reserved >= ? AND max_per_buyer IS NULL",
               {quantity, util::FormatSqlTime(now), id, quantity}) == 1;
  }
  return tx.Exec(
             "UPDATE products SET reserved = reserved + ?, updated_at = ?"
             " WHERE id = ? AND stock - reserved >= ?"
             " AND (max_per_buyer IS NULL OR ? <= max_per_buyer)",
             {quantity, util::FormatSqlTime(now), id, quantity, *buyer_units + quantity}) == 1;
}

namespace {

// The CALL goes over the text protocol (a prepared CALL's extra result sets are not drained by
// Connector/C++ 1.1): numbers, a timestamp this program formatted and hex literals only.
bool CounterCommit(Tx& tx, int64_t id, int64_t stock_delta, int64_t reserved_delta,
                   int64_t required_available, Millis now, const std::string& event_type = "",
                   const std::string& event_payload = "") {
  std::string call = "CALL product_counters_commit(" + std::to_string(id) + ", " +
                     std::to_string(stock_delta) + ", " + std::to_string(reserved_delta) + ", " +
                     std::to_string(required_available) + ", '" + util::FormatSqlTime(now) +
                     "', " + (event_type.empty() ? "NULL" : HexLiteral(event_type)) + ", " +
                     (event_type.empty() ? "NULL" : HexLiteral(event_payload)) + ")";
  std::vector<int64_t> row = tx.CallForRow(call);
  if (row.empty() || row[0] != 1) return false;
  tx.CommittedByServer();
  return true;
}

}  // namespace

void AdjustAndCommit(Tx& tx, int64_t id, int64_t stock_delta, int64_t reserved_delta, Millis now,
                     const std::string& event_type, const std::string& event_payload) {
  CounterCommit(tx, id, stock_delta, reserved_delta, INT64_MIN / 2, now, event_type,
                event_payload);
}

void Unreserve(Tx& tx, int64_t id, int64_t quantity, Millis now) {
  tx.Exec("UPDATE products SET reserved = reserved - ?, updated_at = ? WHERE id = ?",
          {quantity, util::FormatSqlTime(now), id});
}

void Sell(Tx& tx, int64_t id, int64_t quantity, Millis now) {
  tx.Exec(
      "UPDATE products SET stock = stock - ?, reserved = reserved - ?, updated_at = ?"
      " WHERE id = ?",
      {quantity, quantity, util::FormatSqlTime(now), id});
}

void Update(Tx& tx, const ProductRecord& product, Millis now) {
  tx.Exec(
      "UPDATE products SET name = ?, price_cents = ?, stock = ?, max_per_buyer = ?,"
      " updated_at = ? WHERE id = ?",
      {product.name, product.price_cents, product.stock, Limit(product.max_per_buyer),
       util::FormatSqlTime(now), product.id});
}

}  // namespace flashsale::store::products
