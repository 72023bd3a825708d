#include "store/order_repo.h"

#include <string>

namespace flashsale::store::orders {
namespace {

OrderStatus ParseStatus(const std::string& s) {
  if (s == "paid") return OrderStatus::kPaid;
  if (s == "cancelled") return OrderStatus::kCancelled;
  return OrderStatus::kPending;
}

std::optional<OrderRecord> FindBy(Tx& tx, const std::string& sql, int64_t id) {
  auto rows = tx.Query(sql, {id});
  if (!rows->Next()) return std::nullopt;
  OrderRecord o;
  o.id = rows->Int(1);
  o.hold_id = rows->Int(2);
  o.product_id = rows->Int(3);
  o.quantity = rows->Int(4);
  o.total_cents = rows->Int(5);
  o.status = ParseStatus(rows->Str(6));
  return o;
}

}  // namespace

int64_t Insert(Tx& tx, const OrderRecord& order, Millis now) {
  std::string at = util::FormatSqlTime(now);
  auto rows = tx.Query(
      "INSERT INTO orders (hold_id, product_id, quantity, total_cents, status, created_at,"
      " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {order.hold_id, order.product_id, order.quantity, order.total_cents,
       std::string(ToString(order.status)), at, at});
  rows->Next();
  return rows->Int(1);
}

std::optional<OrderRecord> Find(Tx& tx, int64_t id) {
  return FindBy(tx,
                "SELECT id, hold_id, product_id, quantity, total_cents, status FROM orders"
                " WHERE id = ?",
                id);
}

std::optional<OrderRecord> FindForUpdate(Tx& tx, int64_t id) {
  return FindBy(tx,
                "SELECT id, hold_id, product_id, quantity, total_cents, status FROM orders"
                " WHERE id = ? FOR UPDATE",
                id);
}

std::optional<int64_t> IdForHold(Tx& tx, int64_t hold_id) {
  auto rows = tx.Query("SELECT id FROM orders WHERE hold_id = ?", {hold_id});
  if (!rows->Next()) return std::nullopt;
  return rows->Int(1);
}

bool Settle(Tx& tx, int64_t id, OrderStatus to, Millis now) {
  return tx.Exec(
             "UPDATE orders SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
             {std::string(ToString(to)), util::FormatSqlTime(now), id}) == 1;
}

}  // namespace flashsale::store::orders
