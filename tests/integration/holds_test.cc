// POST/GET/DELETE /api/holds (the API reference "Holds"): the shape, availability taken at once and given
// back on release, insufficient stock with `available`, validation, and the hold_created row.
#include <boost/test/unit_test.hpp>
#include <set>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

void CheckHoldShape(const HttpResponse& r, int64_t product, int64_t quantity,
                    const std::string& status) {
  BOOST_TEST_REQUIRE((r.json_ok && r.json.isObject()), r.Describe());
  std::set<std::string> keys;
  for (const std::string& k : r.json.getMemberNames()) keys.insert(k);
  BOOST_TEST((keys == std::set<std::string>{"hold_id", "product_id", "quantity", "buyer_id",
                                            "status", "expires_at"}),
             r.body);
  BOOST_TEST(r.json["buyer_id"].isNull(), "a hold sent without buyer_id: " << r.body);
  BOOST_TEST(r.json["hold_id"].isIntegral(), r.body);
  BOOST_TEST(r.json["hold_id"].asInt64() > 0, r.body);
  BOOST_TEST(r.json["product_id"].asInt64() == product, r.body);
  BOOST_TEST(r.json["quantity"].asInt64() == quantity, r.body);
  BOOST_TEST(r.json["status"].asString() == status, r.body);
  BOOST_TEST(ParseRfc3339Millis(r.json["expires_at"].asString()).has_value(),
             "expires_at is not RFC 3339 UTC with milliseconds: " << r.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(holds)

BOOST_AUTO_TEST_CASE(create_read_release) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t marker = db.LastMetricsId();

  int64_t before = NowMillis();
  HttpResponse created = api.PostHold(product, 3);
  int64_t after = NowMillis();
  BOOST_TEST_REQUIRE(created.status == 201, created.Describe());
  BOOST_TEST(created.Header("Content-Type").rfind("application/json", 0) == 0u);
  CheckHoldShape(created, product, 3, "active");
  int64_t hold = created.json["hold_id"].asInt64();
  std::optional<int64_t> expires = ParseRfc3339Millis(created.json["expires_at"].asString());
  BOOST_TEST_REQUIRE(expires.has_value());
  // hold_ttl_seconds after the request, give or take the request's own time and rounding.
  BOOST_TEST(*expires >= before + kHoldTtlSeconds * 1000 - 1000, created.body);
  BOOST_TEST(*expires <= after + kHoldTtlSeconds * 1000 + 1000, created.body);

  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 7);

  HttpResponse got = api.GetHold(hold);
  BOOST_TEST(got.status == 200, got.Describe());
  CheckHoldShape(got, product, 3, "active");
  BOOST_TEST(got.json["hold_id"].asInt64() == hold);
  BOOST_TEST(got.json["expires_at"] == created.json["expires_at"]);

  HttpResponse released = api.DeleteHold(hold);
  BOOST_TEST(released.status == 200, released.Describe());
  CheckHoldShape(released, product, 3, "released");
  BOOST_TEST(MustGetProduct(api, product).available == 10);

  // Releasing again answers the same status; reading shows it too.
  HttpResponse again = api.DeleteHold(hold);
  BOOST_TEST(again.status == 200, again.Describe());
  BOOST_TEST(again.json["status"].asString() == "released", again.Describe());
  HttpResponse read = api.GetHold(hold);
  BOOST_TEST(read.json["status"].asString() == "released", read.Describe());
  BOOST_TEST(MustGetProduct(api, product).available == 10);

  BOOST_TEST(HoldStatus(db, hold) == "released");
  BOOST_TEST(CountMetricsFor(db, "hold_created", marker, "hold_id", hold) == 1);
  BOOST_TEST(CountMetricsFor(db, "hold_released", marker, "hold_id", hold) == 1,
             "a second DELETE must not log a second release");
  std::vector<SqlRow> payload = db.Query(
      "SELECT CAST(JSON_VALUE(payload, '$.product_id') AS SIGNED), "
      "CAST(JSON_VALUE(payload, '$.quantity') AS SIGNED) FROM metrics_logs "
      "WHERE type = 'hold_created' AND id > ? AND CAST(JSON_VALUE(payload, '$.hold_id') AS SIGNED) = ?",
      {marker, hold});
  BOOST_TEST_REQUIRE(payload.size() == 1u);
  BOOST_TEST(payload[0][0].value_or("") == std::to_string(product));
  BOOST_TEST(payload[0][1].value_or("") == "3");
  CheckInvariants(db, "create/read/release");
}

BOOST_AUTO_TEST_CASE(releasing_a_used_hold_is_409) {
  Api api;
  int64_t product = MustCreateProduct(api, 5);
  int64_t hold = MustHold(api, product, 2);
  int64_t order = MustOrder(api, hold);
  HttpResponse r = api.DeleteHold(hold);
  BOOST_TEST(r.status == 409, r.Describe());
  BOOST_TEST(r.ErrorCode() == "hold_already_used", r.Describe());
  HttpResponse got = api.GetHold(hold);
  BOOST_TEST(got.json["status"].asString() == "used", got.Describe());
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.available == 3);
  HttpResponse o = api.GetOrder(order);
  BOOST_TEST(o.json["status"].asString() == "pending", o.Describe());
}

BOOST_AUTO_TEST_CASE(unknown_hold_is_404) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t unknown = db.Int("SELECT COALESCE(MAX(id), 0) FROM holds") + 100000;
  HttpResponse got = api.GetHold(unknown);
  BOOST_TEST(got.status == 404, got.Describe());
  BOOST_TEST((got.json_ok && got.json["error"]["code"].isString()), got.Describe());
  HttpResponse del = api.DeleteHold(unknown);
  BOOST_TEST(del.status == 404, del.Describe());
  BOOST_TEST((del.json_ok && del.json["error"]["code"].isString()), del.Describe());
}

BOOST_AUTO_TEST_CASE(insufficient_stock_reports_available) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  MustHold(api, product, 3);
  int64_t marker = db.LastMetricsId();
  for (int64_t quantity : {3, 5, 1000000}) {
    BOOST_TEST_CONTEXT("quantity " << quantity) {
      HttpResponse r = api.PostHold(product, quantity);
      BOOST_TEST(r.status == 409, r.Describe());
      BOOST_TEST(r.ErrorCode() == "insufficient_stock", r.Describe());
      BOOST_TEST(r.json["error"]["available"].isIntegral(), r.Describe());
      BOOST_TEST(r.json["error"]["available"].asInt64() == 2, r.Describe());
    }
  }
  MustHold(api, product, 2);  // exactly what is left
  HttpResponse none = api.PostHold(product, 1);
  BOOST_TEST(none.status == 409, none.Describe());
  BOOST_TEST(none.json["error"]["available"].asInt64() == 0, none.Describe());
  BOOST_TEST(CountHolds(db, product) == 2);
  BOOST_TEST(db.CountMetrics("hold_created", marker) == 1, "a refused hold was logged");
  CheckInvariants(db, "insufficient stock");
}

BOOST_AUTO_TEST_CASE(validation_failures_are_422_with_fields) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  std::string p = std::to_string(product);
  struct Row {
    std::string body;
    const char* field;
  };
  const Row rows[] = {
      {"{\"product_id\":" + p + ",\"quantity\":\"2\"}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":2.5}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":true}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":0}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":-1}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":1000001}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":99999999999999999999}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":null}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":[1]}", "quantity"},
      {"{\"product_id\":" + p + ",\"quantity\":{}}", "quantity"},
      {"{\"product_id\":" + p + "}", "quantity"},
      {"{\"product_id\":\"" + p + "\",\"quantity\":1}", "product_id"},
      {"{\"product_id\":" + p + ".5,\"quantity\":1}", "product_id"},
      {"{\"product_id\":true,\"quantity\":1}", "product_id"},
      {"{\"product_id\":null,\"quantity\":1}", "product_id"},
      {"{\"quantity\":1}", "product_id"},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.body) {
      HttpResponse r = api.PostHoldBody(row.body);
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.ErrorCode() == "validation_failed", r.Describe());
      BOOST_TEST(r.json["error"]["fields"].isObject(), r.body);
      BOOST_TEST(r.json["error"]["fields"][row.field].isString(),
                 "no fields." << row.field << " in " << r.body);
    }
  }
  BOOST_TEST(CountHolds(db, product) == 0, "an invalid request created a hold");
  BOOST_TEST(MustGetProduct(api, product).available == 5);

  // The bounds themselves are valid quantities.
  HttpResponse one = api.PostHold(product, 1);
  BOOST_TEST(one.status == 201, one.Describe());
  HttpResponse max = api.PostHold(product, 1000000);
  BOOST_TEST(max.status == 409, max.Describe());
  BOOST_TEST(max.ErrorCode() == "insufficient_stock", max.Describe());
}

BOOST_AUTO_TEST_CASE(unknown_product_is_product_not_found) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t unknown = db.Int("SELECT COALESCE(MAX(id), 0) FROM products") + 100000;
  int64_t holds_before = db.Int("SELECT COUNT(*) FROM holds");
  HttpResponse r = api.PostHold(unknown, 1);
  BOOST_TEST(r.status == 404, r.Describe());
  BOOST_TEST(r.ErrorCode() == "product_not_found", r.Describe());
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM holds") == holds_before);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
