// POST/GET /api/orders (the API reference "Orders"): the complete flow hold → order → paid, exact totals,
// the errors for unusable holds, validation, and one order per hold under concurrency.
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

void CheckOrderShape(const HttpResponse& r, int64_t hold, int64_t product, int64_t quantity,
                     const std::string& status) {
  BOOST_TEST_REQUIRE((r.json_ok && r.json.isObject()), r.Describe());
  std::set<std::string> keys;
  for (const std::string& k : r.json.getMemberNames()) keys.insert(k);
  BOOST_TEST((keys == std::set<std::string>{"order_id", "hold_id", "product_id", "quantity",
                                            "status", "total_price", "expires_at", "buyer_id"}),
             r.body);
  BOOST_TEST(r.json["buyer_id"].isNull(), "an order of a hold without buyer_id: " << r.body);
  if (status == "paid" || status == "cancelled") {
    BOOST_TEST(r.json["expires_at"].isNull(), "expires_at of a settled order: " << r.body);
  } else {
    BOOST_TEST(ParseRfc3339Millis(r.json["expires_at"].asString()).has_value(), r.body);
  }
  BOOST_TEST(r.json["order_id"].isIntegral(), r.body);
  BOOST_TEST(r.json["hold_id"].asInt64() == hold, r.body);
  BOOST_TEST(r.json["product_id"].asInt64() == product, r.body);
  BOOST_TEST(r.json["quantity"].asInt64() == quantity, r.body);
  BOOST_TEST(r.json["status"].asString() == status, r.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(orders)

BOOST_AUTO_TEST_CASE(complete_flow_hold_order_paid) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10, "99.99");
  int64_t marker = db.LastMetricsId();

  int64_t hold = MustHold(api, product, 2);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 8);

  int64_t sent = NowMillis();
  HttpResponse created = api.PostOrder(hold);
  int64_t answered = NowMillis();
  BOOST_TEST_REQUIRE(created.status == 201, created.Describe());
  CheckOrderShape(created, hold, product, 2, "pending");
  // The payment window: order_ttl_seconds from the order's creation.
  std::optional<int64_t> deadline = ParseRfc3339Millis(created.json["expires_at"].asString());
  BOOST_TEST_REQUIRE(deadline.has_value(), created.body);
  BOOST_TEST(*deadline >= sent + kOrderTtlSeconds * 1000 - 1000, created.body);
  BOOST_TEST(*deadline <= answered + kOrderTtlSeconds * 1000 + 1000, created.body);
  BOOST_TEST(HasRawNumber(created.body, "total_price", "199.98"), created.body);
  int64_t order = created.json["order_id"].asInt64();

  // The units moved from the hold to the order: availability does not change.
  v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 8);
  HttpResponse hold_now = api.GetHold(hold);
  BOOST_TEST(hold_now.json["status"].asString() == "used", hold_now.Describe());

  HttpResponse got = api.GetOrder(order);
  BOOST_TEST(got.status == 200, got.Describe());
  CheckOrderShape(got, hold, product, 2, "pending");
  BOOST_TEST(HasRawNumber(got.body, "total_price", "199.98"), got.body);
  BOOST_TEST(got.json["order_id"].asInt64() == order);

  HttpResponse paid = api.Webhook(UniqueName("flow"), order, "success");
  BOOST_TEST(paid.status == 200, paid.Describe());
  BOOST_TEST(paid.json["order_id"].asInt64() == order, paid.body);
  BOOST_TEST(paid.json["status"].asString() == "paid", paid.body);
  BOOST_TEST(paid.json["applied"].asBool() == true, paid.body);
  BOOST_TEST(paid.json["duplicate"].asBool() == false, paid.body);

  // Paid: the units are sold. stock drops, available stays where the hold put it.
  v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 8);
  BOOST_TEST(v.available == 8);
  got = api.GetOrder(order);
  CheckOrderShape(got, hold, product, 2, "paid");  // expires_at null from now on
  BOOST_TEST(HasRawNumber(got.body, "total_price", "199.98"), got.body);

  DbProduct row = ReadDbProduct(db, product);
  BOOST_TEST(row.stock == 8);
  BOOST_TEST(row.reserved == 0);
  BOOST_TEST(OrderStatus(db, order) == "paid");
  BOOST_TEST(CountMetricsFor(db, "hold_created", marker, "hold_id", hold) == 1);
  BOOST_TEST(CountMetricsFor(db, "order_created", marker, "order_id", order) == 1);
  BOOST_TEST(CountMetricsFor(db, "order_paid", marker, "order_id", order) == 1);
  CheckInvariants(db, "the complete flow");
}

BOOST_AUTO_TEST_CASE(totals_are_exact) {
  Api api;
  struct Row {
    const char* price;
    int64_t quantity;
    const char* total;
  };
  const Row rows[] = {
      {"99.99", 2, "199.98"}, {"0.10", 3, "0.30"},   {"1.10", 3, "3.30"},
      {"0.07", 3, "0.21"},    {"19.99", 7, "139.93"}, {"100", 1, "100.00"},
      {"33.33", 3, "99.99"},  {"0.01", 1, "0.01"},   {"4.35", 100, "435.00"},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.quantity << " x " << row.price) {
      int64_t product = MustCreateProduct(api, row.quantity, row.price);
      HttpResponse created = api.PostOrder(MustHold(api, product, row.quantity));
      BOOST_TEST_REQUIRE(created.status == 201, created.Describe());
      BOOST_TEST(HasRawNumber(created.body, "total_price", row.total), created.body);
      HttpResponse got = api.GetOrder(created.json["order_id"].asInt64());
      BOOST_TEST(HasRawNumber(got.body, "total_price", row.total), got.body);
    }
  }
}

BOOST_AUTO_TEST_CASE(unusable_holds_are_refused) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);

  int64_t unknown = db.Int("SELECT COALESCE(MAX(id), 0) FROM holds") + 100000;
  HttpResponse r = api.PostOrder(unknown);
  BOOST_TEST(r.status == 404, r.Describe());
  BOOST_TEST(r.ErrorCode() == "hold_not_found", r.Describe());

  int64_t released = MustHold(api, product, 1);
  BOOST_TEST_REQUIRE(api.DeleteHold(released).status == 200);
  r = api.PostOrder(released);
  BOOST_TEST(r.status == 409, r.Describe());
  BOOST_TEST(r.ErrorCode() == "hold_released", r.Describe());

  int64_t used = MustHold(api, product, 2);
  int64_t order = MustOrder(api, used);
  r = api.PostOrder(used);
  BOOST_TEST(r.status == 409, r.Describe());
  BOOST_TEST(r.ErrorCode() == "hold_already_used", r.Describe());
  BOOST_TEST(r.json["error"]["order_id"].isIntegral(), r.body);
  BOOST_TEST(r.json["error"]["order_id"].asInt64() == order, r.body);

  BOOST_TEST(CountOrders(db, product) == 1);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.available == 8);
  CheckInvariants(db, "refused orders");
}

BOOST_AUTO_TEST_CASE(validation_failures_are_422) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  int64_t hold = MustHold(api, product, 1);
  std::string h = std::to_string(hold);
  for (const std::string& body : std::vector<std::string>{"{}", "{\"hold_id\":\"" + h + "\"}", "{\"hold_id\":" + h + ".5}",
                                 "{\"hold_id\":true}", "{\"hold_id\":null}", "{\"hold_id\":[1]}",
                                 "{\"hold_id\":-1}"}) {
    BOOST_TEST_CONTEXT(body) {
      HttpResponse r = api.PostOrderBody(body);
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.ErrorCode() == "validation_failed", r.Describe());
      BOOST_TEST(r.json["error"]["fields"]["hold_id"].isString(), r.body);
    }
  }
  BOOST_TEST(CountOrders(db, product) == 0);
  BOOST_TEST(HoldStatus(db, hold) == "active");
}

BOOST_AUTO_TEST_CASE(unknown_order_is_404) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t unknown = db.Int("SELECT COALESCE(MAX(id), 0) FROM orders") + 100000;
  HttpResponse r = api.GetOrder(unknown);
  BOOST_TEST(r.status == 404, r.Describe());
  BOOST_TEST((r.json_ok && r.json["error"]["code"].isString()), r.Describe());
}

// Many clients race to turn the same hold into an order: exactly one wins, every other one is
// told which order used it.
BOOST_AUTO_TEST_CASE(concurrent_orders_from_one_hold) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  for (int round = 0; round < 3; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      int64_t product = MustCreateProduct(api, 5, "7.25");
      int64_t hold = MustHold(api, product, 3);
      const int kThreads = 40;
      std::vector<HttpResponse> answers =
          RunConcurrently(kThreads, [&](int) { return api.PostOrder(hold); });
      std::vector<int64_t> created;
      std::map<long, int> by_status;
      for (const HttpResponse& r : answers) {
        ++by_status[r.status];
        if (r.status == 201) created.push_back(r.json["order_id"].asInt64());
      }
      BOOST_TEST_REQUIRE(created.size() == 1u, "201s: " << created.size());
      BOOST_TEST(by_status[409] == kThreads - 1);
      for (const HttpResponse& r : answers) {
        if (r.status == 201) {
          BOOST_TEST(HasRawNumber(r.body, "total_price", "21.75"), r.body);
          continue;
        }
        BOOST_TEST(r.ErrorCode() == "hold_already_used", r.Describe());
        BOOST_TEST(r.json["error"]["order_id"].asInt64() == created[0], r.Describe());
      }
      BOOST_TEST(db.Int("SELECT COUNT(*) FROM orders WHERE hold_id = ?", {hold}) == 1);
      ProductView v = MustGetProduct(api, product);
      BOOST_TEST(v.stock == 5);
      BOOST_TEST(v.available == 2);
      CheckInvariants(db, "concurrent orders from one hold");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
