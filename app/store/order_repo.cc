#include "store/order_repo.h"

#include <string>

namespace flashsale::store::orders {
namespace {

const char kColumns[] =
    "SELECT id, hold_id, product_id, quantity, total_cents, status, expires_at, buyer_id"
    " FROM orders";

OrderStatus ParseStatus(const std::string& s) {
  if (s == "paid") return OrderStatus::kPaid;
  if (s == "cancelled") return OrderStatus::kCancelled;
  if (s == "expired") return OrderStatus::kExpired;
  return OrderStatus::kPending;
}

OrderRecord ReadOrder(Rows& rows) {
  OrderRecord o;
  o.id = rows.Int(1);
  o.hold_id = rows.Int(2);
  o.product_id = rows.Int(3);
  o.quantity = rows.Int(4);
  o.total_cents = rows.Int(5);
  o.status = ParseStatus(rows.Str(6));
  o.expires_at = util::ParseSqlTime(rows.Str(7)).value_or(0);
  if (!rows.IsNull(8)) o.buyer_id = rows.Str(8);
  return o;
}

std::optional<OrderRecord> FindBy(Tx& tx, const std::string& where, int64_t id) {
  auto rows = tx.Query(std::string(kColumns) + where, {id});
  if (!rows->Next()) return std::nullopt;
  return ReadOrder(*rows);
}

}  // namespace

int64_t Insert(Tx& tx, const OrderRecord& order, Millis now) {
  std::string at = util::FormatSqlTime(now);
  auto rows = tx.Query(
      "INSERT INTO orders (hold_id, product_id, quantity, buyer_id, total_cents, status,"
      " expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {order.hold_id, order.product_id, order.quantity,
       order.buyer_id ? Param(*order.buyer_id) : Param(nullptr), order.total_cents,
       std::string(ToString(order.status)), util::FormatSqlTime(order.expires_at), at, at});
  rows->Next();
  return rows->Int(1);
}

std::optional<OrderRecord> Find(Tx& tx, int64_t id) { return FindBy(tx, " WHERE id = ?", id); }

std::optional<OrderRecord> FindShared(Tx& tx, int64_t id) {
  return FindBy(tx, " WHERE id = ? LOCK IN SHARE MODE", id);
}

std::optional<OrderRecord> FindForUpdate(Tx& tx, int64_t id) {
  return FindBy(tx, " WHERE id = ? FOR UPDATE", id);
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

std::vector<OrderRecord> LockExpired(Tx& tx, int64_t product_id, Millis now, int limit) {
  std::string at = util::FormatSqlTime(now);
  auto rows = product_id > 0
                  ? tx.Query(std::string(kColumns) +
                                 " WHERE product_id = ? AND status = 'pending' AND expires_at <= ?"
                                 " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
                             {product_id, at, static_cast<int64_t>(limit)})
                  : tx.Query(std::string(kColumns) +
                                 " WHERE status = 'pending' AND expires_at <= ?"
                                 " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
                             {at, static_cast<int64_t>(limit)});
  std::vector<OrderRecord> out;
  while (rows->Next()) out.push_back(ReadOrder(*rows));
  return out;
}

}  // namespace flashsale::store::orders
