// Guarantees under concurrency (the API reference): no oversell when dozens of clients race for the last
// units, and the counters stay exact when holds, releases, orders, payments and stock changes
// interleave. Everything is checked in the database afterwards against what the clients saw.
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <map>
#include <set>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {

BOOST_AUTO_TEST_SUITE(concurrency)

// N parallel holds for stock S grant exactly S units: the key test of the service.
BOOST_AUTO_TEST_CASE(parallel_holds_around_the_stock_boundary) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  struct Row {
    int64_t stock;
    int threads;
    int64_t quantity;
  };
  const Row rows[] = {{20, 60, 1}, {25, 40, 2}, {1, 50, 1}, {64, 100, 1}};
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT("stock " << row.stock << ", " << row.threads << " threads x "
                                << row.quantity) {
      int64_t product = MustCreateProduct(api, row.stock);
      int64_t marker = db.LastMetricsId();
      std::vector<HttpResponse> answers = RunConcurrently(
          row.threads, [&](int) { return api.PostHold(product, row.quantity); });

      int64_t expected = std::min<int64_t>(row.threads, row.stock / row.quantity);
      std::set<int64_t> granted;
      std::map<long, int> by_status;
      for (const HttpResponse& r : answers) {
        ++by_status[r.status];
        if (r.status == 201) {
          granted.insert(r.json["hold_id"].asInt64());
          continue;
        }
        BOOST_TEST(r.status == 409, r.Describe());
        BOOST_TEST(r.ErrorCode() == "insufficient_stock", r.Describe());
        BOOST_TEST(r.json["error"]["available"].isIntegral(), r.Describe());
        int64_t available = r.json["error"]["available"].asInt64();
        BOOST_TEST((available >= 0 && available < row.quantity), r.Describe());
      }
      BOOST_TEST(static_cast<int64_t>(granted.size()) == expected,
                 "201: " << by_status[201] << ", 409: " << by_status[409]);
      BOOST_TEST(by_status[201] + by_status[409] == row.threads);

      // The database agrees with what the clients were told.
      std::set<int64_t> in_db;
      for (const SqlRow& r : db.Query("SELECT id FROM holds WHERE product_id = ?", {product})) {
        in_db.insert(std::stoll(*r[0]));
      }
      BOOST_TEST((in_db == granted), "hold rows differ from the 201s seen");
      BOOST_TEST(CountHolds(db, product, "active") == expected);
      DbProduct p = ReadDbProduct(db, product);
      BOOST_TEST(p.stock == row.stock);
      BOOST_TEST(p.reserved == expected * row.quantity);
      BOOST_TEST(db.CountMetrics("hold_created", marker) == expected);
      ProductView v = MustGetProduct(api, product);
      BOOST_TEST(v.available == row.stock - expected * row.quantity);
      CheckInvariants(db, "parallel holds");
    }
  }
}

// Each client holds, then releases, or orders and pays, or orders and fails, or stops halfway.
BOOST_AUTO_TEST_CASE(mixed_checkout_workload) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  const int64_t kStock = 30;
  const int kThreads = 64;
  int64_t product = MustCreateProduct(api, kStock, "1.25");

  struct Outcome {
    int64_t quantity = 0;
    bool held = false;
    std::string end;  // "released", "paid", "cancelled", "pending", "active", or what failed
  };
  std::vector<Outcome> outcomes = RunConcurrently(kThreads, [&](int i) {
    Outcome o;
    o.quantity = 1 + i % 2;
    HttpResponse hold = api.PostHold(product, o.quantity);
    if (hold.status != 201) {
      o.end = hold.status == 409 && hold.ErrorCode() == "insufficient_stock"
                  ? "refused"
                  : "unexpected hold answer: " + hold.Describe();
      return o;
    }
    o.held = true;
    int64_t hold_id = hold.json["hold_id"].asInt64();
    switch (i % 5) {
      case 0: {
        HttpResponse r = api.DeleteHold(hold_id);
        o.end = r.status == 200 ? "released" : "unexpected release answer: " + r.Describe();
        return o;
      }
      case 4:
        o.end = "active";
        return o;
      default:
        break;
    }
    HttpResponse order = api.PostOrder(hold_id);
    if (order.status != 201) {
      o.end = "unexpected order answer: " + order.Describe();
      return o;
    }
    int64_t order_id = order.json["order_id"].asInt64();
    if (i % 5 == 3) {
      o.end = "pending";
      return o;
    }
    std::string status = i % 5 == 1 ? "success" : "failed";
    HttpResponse paid = api.Webhook(UniqueName("mixed"), order_id, status);
    if (paid.status != 200 || !paid.json["applied"].asBool()) {
      o.end = "unexpected webhook answer: " + paid.Describe();
      return o;
    }
    o.end = paid.json["status"].asString();
    return o;
  });

  int64_t granted = 0, sold = 0, active = 0, pending = 0;
  for (const Outcome& o : outcomes) {
    BOOST_TEST((o.end == "refused" || o.end == "released" || o.end == "paid" ||
                o.end == "cancelled" || o.end == "pending" || o.end == "active"),
               o.end);
    if (o.held) ++granted;
    if (o.end == "paid") sold += o.quantity;
    if (o.end == "active") active += o.quantity;
    if (o.end == "pending") pending += o.quantity;
  }
  DbProduct p = ReadDbProduct(db, product);
  BOOST_TEST(p.stock == kStock - sold);
  BOOST_TEST(p.reserved == active + pending);
  BOOST_TEST(CountHolds(db, product) == granted);
  BOOST_TEST(CountOrders(db, product, "paid") ==
             std::count_if(outcomes.begin(), outcomes.end(),
                           [](const Outcome& o) { return o.end == "paid"; }));
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == kStock - sold);
  BOOST_TEST(v.available == kStock - sold - active - pending);
  CheckInvariants(db, "mixed workload");
}

// Stock changes race with holds: no PATCH may leave stock below what is held, and no hold may
// take units a PATCH removed.
BOOST_AUTO_TEST_CASE(stock_changes_racing_holds) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 40);
  const int kHolders = 40;
  const int kPatchers = 12;
  std::vector<HttpResponse> answers = RunConcurrently(kHolders + kPatchers, [&](int i) {
    if (i < kHolders) return api.PostHold(product, 1);
    int64_t stock = 10 + 10 * (i % 4);  // 10, 20, 30, 40
    return api.PatchProduct(product, "{\"stock\":" + std::to_string(stock) + "}");
  });
  int64_t held = 0;
  for (int i = 0; i < kHolders + kPatchers; ++i) {
    const HttpResponse& r = answers[static_cast<size_t>(i)];
    if (i < kHolders) {
      BOOST_TEST((r.status == 201 || (r.status == 409 && r.ErrorCode() == "insufficient_stock")),
                 r.Describe());
      if (r.status == 201) ++held;
    } else {
      BOOST_TEST((r.status == 200 || (r.status == 409 && r.ErrorCode() == "stock_below_reserved")),
                 r.Describe());
    }
  }
  DbProduct p = ReadDbProduct(db, product);
  BOOST_TEST(p.reserved == held);
  BOOST_TEST(p.stock >= held);
  BOOST_TEST(CountHolds(db, product) == held);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == p.stock);
  BOOST_TEST(v.available == p.stock - held);
  CheckInvariants(db, "stock changes racing holds");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
