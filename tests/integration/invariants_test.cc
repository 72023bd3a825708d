// The checkers the other tests rely on can fail: the invariant checker reports a corrupted row,
// and the raw money matcher tells 59.90 from 59.9. The corruption is made on a fresh product
// with a direct UPDATE and undone at once.
#include <boost/test/unit_test.hpp>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {

BOOST_AUTO_TEST_SUITE(checkers)

BOOST_AUTO_TEST_CASE(invariant_checker_reports_corruption) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10, "2.00");
  int64_t hold = MustHold(api, product, 2);
  int64_t order = MustOrder(api, MustHold(api, product, 3));
  BOOST_TEST_REQUIRE(InvariantViolations(db).empty(), "violations before any corruption");

  struct Row {
    const char* what;
    std::string corrupt;
    std::string undo;
  };
  std::string p = std::to_string(product), h = std::to_string(hold), o = std::to_string(order);
  const Row rows[] = {
      {"reserved off by one", "UPDATE products SET reserved = reserved + 1 WHERE id = " + p,
       "UPDATE products SET reserved = reserved - 1 WHERE id = " + p},
      {"hold no longer active", "UPDATE holds SET status = 'released' WHERE id = " + h,
       "UPDATE holds SET status = 'active' WHERE id = " + h},
      {"wrong total", "UPDATE orders SET total_cents = total_cents + 1 WHERE id = " + o,
       "UPDATE orders SET total_cents = total_cents - 1 WHERE id = " + o},
      {"paid without a payment", "UPDATE orders SET status = 'paid' WHERE id = " + o,
       "UPDATE orders SET status = 'pending' WHERE id = " + o},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.what) {
      db.Exec(row.corrupt);
      std::vector<std::string> found;
      try {
        found = InvariantViolations(db);
      } catch (...) {
        db.Exec(row.undo);
        throw;
      }
      db.Exec(row.undo);
      BOOST_TEST(!found.empty(), "the checker missed: " << row.what);
    }
  }
  BOOST_TEST(InvariantViolations(db).empty(), "violations left after undoing");
}

BOOST_AUTO_TEST_CASE(raw_money_matcher) {
  BOOST_TEST(HasRawNumber("{\"price\":59.90}", "price", "59.90"));
  BOOST_TEST(HasRawNumber("{\"price\": 59.90, \"x\":1}", "price", "59.90"));
  BOOST_TEST(!HasRawNumber("{\"price\":59.9}", "price", "59.90"));
  BOOST_TEST(!HasRawNumber("{\"price\":59.900}", "price", "59.90"));
  BOOST_TEST(!HasRawNumber("{\"total_price\":199.97999}", "total_price", "199.98"));
  BOOST_TEST(!HasRawNumber("{\"price\":\"59.90\"}", "price", "59.90"));
  BOOST_TEST(!HasRawNumber("{\"xprice\":59.90}", "price", "59.90"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
