// The database held to what CheckoutClients' buyers were told (ledger_checks.h).
#include "ledger_checks.h"

#include <boost/test/unit_test.hpp>
#include <set>

namespace flashsale::itest {

std::string InList(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return "(" + s + ")";
}

void CheckLedgerHolds(DbProbe& db, const std::vector<int64_t>& products, const Ledger& ledger) {
  std::set<int64_t> seen;
  for (const SqlRow& row : db.Query("SELECT id, status, expires_at <= NOW(3) FROM holds"
                                    " WHERE product_id IN " + InList(products))) {
    int64_t id = std::stoll(*row[0]);
    std::string status = *row[1];
    bool past = *row[2] == "1";
    seen.insert(id);
    auto it = ledger.holds.find(id);
    if (it == ledger.holds.end()) {
      BOOST_ERROR("hold " << id << " (" << status << ") exists but no buyer was told 201");
      continue;
    }
    const Ledger::Hold& h = it->second;
    switch (h.fate) {
      case Ledger::HoldFate::kOrdered:
        BOOST_TEST(status == "used", "hold " << id);
        break;
      case Ledger::HoldFate::kReleased:
        BOOST_TEST(status == h.release_status, "hold " << id);
        break;
      case Ledger::HoldFate::kExpiredAtOrder:
        BOOST_TEST((status == "expired" || (status == "active" && past)), "hold " << id << " " << status);
        break;
      case Ledger::HoldFate::kHeld:
        BOOST_TEST((status == "active" || (status == "expired" && past)), "hold " << id << " " << status);
        break;
    }
  }
  for (const auto& [id, hold] : ledger.holds) {
    BOOST_TEST(seen.count(id) == 1, "hold " << id << " was answered 201 but does not exist");
  }
  // One hold_created row per hold, none for anything else.
  int64_t wrong = db.Int(
      "SELECT COUNT(*) FROM (SELECT JSON_VALUE(payload, '$.hold_id') AS h, COUNT(*) AS n"
      " FROM metrics_logs WHERE type = 'hold_created' AND JSON_VALUE(payload, '$.product_id') IN " +
      InList(products) + " GROUP BY h HAVING n <> 1) AS dup");
  BOOST_TEST(wrong == 0, "holds with other than one hold_created row");
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM metrics_logs WHERE type = 'hold_created'"
                    " AND JSON_VALUE(payload, '$.product_id') IN " + InList(products)) ==
             static_cast<int64_t>(ledger.holds.size()));
}

void CheckLedgerOrders(DbProbe& db, const std::vector<int64_t>& products, const Ledger& ledger) {
  std::set<int64_t> seen;
  for (const SqlRow& row :
       db.Query("SELECT id, status, hold_id FROM orders WHERE product_id IN " + InList(products))) {
    int64_t id = std::stoll(*row[0]);
    seen.insert(id);
    auto it = ledger.orders.find(id);
    if (it == ledger.orders.end()) {
      BOOST_ERROR("order " << id << " exists but no buyer was told 201");
      continue;
    }
    BOOST_TEST(*row[1] == it->second.status, "order " << id);
    BOOST_TEST(std::stoll(*row[2]) == it->second.hold_id, "order " << id);
  }
  for (const auto& [id, order] : ledger.orders) {
    BOOST_TEST(seen.count(id) == 1, "order " << id << " was answered 201 but does not exist");
  }
}

void CheckLedgerSettled(const Ledger& ledger) {
  BOOST_TEST(ledger.unresolved.empty(), "requests without a definite answer: "
                                            << ledger.unresolved.size() << ", first: "
                                            << (ledger.unresolved.empty() ? "" : ledger.unresolved[0]));
  BOOST_TEST(ledger.surprises.empty(), "answers outside the contract: "
                                           << ledger.surprises.size() << ", first: "
                                           << (ledger.surprises.empty() ? "" : ledger.surprises[0]));
}

void CheckReadsMatchDatabase(const Api& api, DbProbe& db, int64_t product, int64_t timeout_ms,
                             const std::string& where) {
  std::string last;
  bool equal = Eventually(timeout_ms, [&] {
    ProductView v = MustGetProduct(api, product);
    SqlRow row = db.Query(
        "SELECT p.stock, p.stock - p.reserved + COALESCE((SELECT SUM(quantity) FROM holds h"
        " WHERE h.product_id = p.id AND h.status = 'active' AND h.expires_at <= NOW(3)), 0)"
        " FROM products p WHERE p.id = ?", {product})[0];
    last = "GET stock " + std::to_string(v.stock) + " available " + std::to_string(v.available) +
           ", database " + *row[0] + " / " + *row[1];
    return std::to_string(v.stock) == *row[0] && std::to_string(v.available) == *row[1];
  });
  BOOST_TEST(equal, where << ", product " << product << ": " << last);
}

}  // namespace flashsale::itest
