#include "store/buyer_repo.h"

namespace flashsale::store::buyers {

bool Lock(Tx& tx, int64_t product_id, const std::string& buyer_id) {
  // The update always changes the row, so the answer is 1 (inserted) or 2 (updated) whatever
  // the connection's CLIENT_FOUND_ROWS setting.
  return tx.Exec(
             "INSERT INTO buyer_locks (product_id, buyer_id) VALUES (?, ?)"
             " ON DUPLICATE KEY UPDATE lock_count = lock_count + 1",
             {product_id, buyer_id}) == 1;
}

void CreateForExistingBuyers(Tx& tx, int64_t product_id) {
  // Plain reads (READ COMMITTED): no locks on the holds and orders read.
  tx.Exec(
      "INSERT IGNORE INTO buyer_locks (product_id, buyer_id)"
      " SELECT ?, buyer_id FROM holds WHERE product_id = ? AND buyer_id IS NOT NULL"
      " UNION SELECT ?, buyer_id FROM orders WHERE product_id = ? AND buyer_id IS NOT NULL",
      {product_id, product_id, product_id, product_id});
}

int64_t Units(Tx& tx, int64_t product_id, const std::string& buyer_id, Millis now) {
  std::string at = util::FormatSqlTime(now);
  auto rows = tx.Query(
      "SELECT (SELECT COALESCE(SUM(IF(status = 'active' AND expires_at > ?, quantity, 0)), 0)"
      "          FROM holds FORCE INDEX (holds_buyer) WHERE product_id = ? AND buyer_id = ?)"
      "     + (SELECT COALESCE(SUM(IF(status = 'paid' OR (status = 'pending' AND expires_at > ?),"
      "                               quantity, 0)), 0)"
      "          FROM orders FORCE INDEX (orders_buyer) WHERE product_id = ? AND buyer_id = ?)",
      {at, product_id, buyer_id, at, product_id, buyer_id});
  rows->Next();
  return rows->Int(1);
}

}  // namespace flashsale::store::buyers
