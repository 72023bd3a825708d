#include "store/buyer_repo.h"

namespace flashsale::store::buyers {

void Lock(Tx& tx, int64_t product_id, const std::string& buyer_id) {
  tx.Exec(
      "INSERT INTO buyer_locks (product_id, buyer_id) VALUES (?, ?)"
      " ON DUPLICATE KEY UPDATE buyer_id = VALUES(buyer_id)",
      {product_id, buyer_id});
}

int64_t Units(Tx& tx, int64_t product_id, const std::string& buyer_id, Millis now) {
  std::string at = util::FormatSqlTime(now);
  auto rows = tx.Query(
      "SELECT (SELECT COALESCE(SUM(quantity), 0) FROM holds FORCE INDEX (holds_buyer)"
      "         WHERE product_id = ? AND buyer_id = ? AND status = 'active' AND expires_at > ?)"
      "     + (SELECT COALESCE(SUM(quantity), 0) FROM orders FORCE INDEX (orders_buyer)"
      "         WHERE product_id = ? AND buyer_id = ?"
      "           AND (status = 'paid' OR (status = 'pending' AND expires_at > ?)))",
      {product_id, buyer_id, at, product_id, buyer_id, at});
  rows->Next();
  return rows->Int(1);
}

}  // namespace flashsale::store::buyers
