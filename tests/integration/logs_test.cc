// GET /api/logs (the API reference "Metrics log"): paging with limit/after_id/type, next_after_id null at
// the end, one row per change with its payload, and validation of the query.
#include <boost/test/unit_test.hpp>
#include <map>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

// All rows after `after_id` (optionally of one type), following next_after_id.
std::vector<Json::Value> ReadAll(const Api& api, int64_t after_id, const std::string& type = "") {
  std::vector<Json::Value> rows;
  for (int page = 0; page < 100; ++page) {
    std::string query = "limit=1000&after_id=" + std::to_string(after_id);
    if (!type.empty()) query += "&type=" + type;
    HttpResponse r = api.GetLogs(query);
    BOOST_REQUIRE_MESSAGE(r.status == 200 && r.json["data"].isArray(), r.Describe());
    for (const Json::Value& row : r.json["data"]) rows.push_back(row);
    if (r.json["next_after_id"].isNull()) return rows;
    after_id = r.json["next_after_id"].asInt64();
  }
  BOOST_FAIL("GET /api/logs never ended");
  return rows;
}

// The first row of `type` whose payload has field == value, or null.
Json::Value Find(const std::vector<Json::Value>& rows, const std::string& type,
                 const std::string& field, int64_t value) {
  for (const Json::Value& row : rows) {
    if (row["type"].asString() == type && row["payload"][field].isIntegral() &&
        row["payload"][field].asInt64() == value) {
      return row;
    }
  }
  return Json::Value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logs)

BOOST_AUTO_TEST_CASE(paging_with_limit_after_id_and_type) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t marker = db.LastMetricsId();
  std::vector<int64_t> holds;
  for (int i = 0; i < 5; ++i) {
    holds.push_back(MustHold(api, product, 1));
    // Rows of other types in between, which the filter must skip.
    if (i == 1) BOOST_TEST_REQUIRE(api.DeleteHold(holds.back()).status == 200);
  }

  std::vector<int64_t> seen;
  int64_t after = marker;
  const size_t expected_sizes[] = {2, 2, 1};
  for (size_t page = 0; page < 3; ++page) {
    BOOST_TEST_CONTEXT("page " << page) {
      HttpResponse r = api.GetLogs("limit=2&type=hold_created&after_id=" + std::to_string(after));
      BOOST_TEST_REQUIRE(r.status == 200, r.Describe());
      BOOST_TEST(r.Header("Content-Type").rfind("application/json", 0) == 0u);
      const Json::Value& data = r.json["data"];
      BOOST_TEST_REQUIRE(data.isArray(), r.body);
      BOOST_TEST_REQUIRE(data.size() == expected_sizes[page], r.body);
      for (const Json::Value& row : data) {
        BOOST_TEST(row["id"].isIntegral(), r.body);
        BOOST_TEST(row["id"].asInt64() > after, r.body);
        after = row["id"].asInt64();
        BOOST_TEST(row["type"].asString() == "hold_created");
        BOOST_TEST(row["payload"].isObject(), r.body);
        BOOST_TEST(row["payload"]["product_id"].asInt64() == product);
        BOOST_TEST(row["payload"]["quantity"].asInt64() == 1);
        BOOST_TEST(ParseRfc3339Millis(row["created_at"].asString()).has_value(), r.body);
        seen.push_back(row["payload"]["hold_id"].asInt64());
      }
      if (page < 2) {
        BOOST_TEST(r.json["next_after_id"].isIntegral(), r.body);
        BOOST_TEST(r.json["next_after_id"].asInt64() == after, r.body);
      } else {
        BOOST_TEST(r.json.isMember("next_after_id"), r.body);
        BOOST_TEST(r.json["next_after_id"].isNull(), "more pages announced at the end: " << r.body);
      }
    }
  }
  BOOST_TEST(seen == holds, "hold_created rows out of order or missing");

  // Past the end: nothing, and nothing more.
  HttpResponse end = api.GetLogs("after_id=" + std::to_string(db.LastMetricsId()));
  BOOST_TEST(end.status == 200, end.Describe());
  BOOST_TEST(end.json["data"].size() == 0u, end.body);
  BOOST_TEST(end.json["next_after_id"].isNull(), end.body);
}

BOOST_AUTO_TEST_CASE(default_limit_is_100_oldest_first) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 200);
  while (db.Int("SELECT COUNT(*) FROM metrics_logs") <= 100) MustHold(api, product, 1);
  HttpResponse r = api.GetLogs("");
  BOOST_TEST_REQUIRE(r.status == 200, r.Describe());
  const Json::Value& data = r.json["data"];
  BOOST_TEST_REQUIRE(data.size() == 100u);
  BOOST_TEST(data[0].get("id", 0).asInt64() == db.Int("SELECT MIN(id) FROM metrics_logs"));
  for (Json::ArrayIndex i = 1; i < data.size(); ++i) {
    BOOST_TEST(data[i]["id"].asInt64() > data[i - 1]["id"].asInt64());
  }
  BOOST_TEST(r.json["next_after_id"].asInt64() == data[99]["id"].asInt64(), r.body.substr(0, 200));
  HttpResponse max = api.GetLogs("limit=1000");
  BOOST_TEST(max.status == 200, max.Describe());
  BOOST_TEST(max.json["data"].size() ==
             static_cast<Json::ArrayIndex>(std::min<int64_t>(1000, db.Int("SELECT COUNT(*) FROM metrics_logs"))));
}

BOOST_AUTO_TEST_CASE(every_change_has_its_row) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t marker = db.LastMetricsId();
  int64_t product = MustCreateProduct(api, 10, "2.50");
  BOOST_TEST_REQUIRE(api.PatchProduct(product, "{\"stock\":12}").status == 200);
  int64_t released = MustHold(api, product, 1);
  BOOST_TEST_REQUIRE(api.DeleteHold(released).status == 200);
  int64_t paid_hold = MustHold(api, product, 3);
  int64_t paid = MustOrder(api, paid_hold);
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("logs"), paid, "success").status == 200);
  int64_t cancelled = MustOrder(api, MustHold(api, product, 2));
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("logs"), cancelled, "failed").status == 200);

  std::vector<Json::Value> rows = ReadAll(api, marker);
  BOOST_TEST(!ReadAll(api, marker, "product_created").empty(), "no product_created row");
  BOOST_TEST(!ReadAll(api, marker, "product_updated").empty(), "no product_updated row");

  Json::Value created = Find(rows, "hold_created", "hold_id", released);
  BOOST_TEST(created["payload"]["product_id"].asInt64() == product, created.toStyledString());
  BOOST_TEST(created["payload"]["quantity"].asInt64() == 1, created.toStyledString());

  Json::Value release = Find(rows, "hold_released", "hold_id", released);
  BOOST_TEST(release["payload"]["reason"].asString() == "released", release.toStyledString());
  BOOST_TEST(release["payload"]["product_id"].asInt64() == product, release.toStyledString());
  BOOST_TEST(release["payload"]["quantity"].asInt64() == 1, release.toStyledString());

  Json::Value order = Find(rows, "order_created", "order_id", paid);
  BOOST_TEST(order["payload"]["hold_id"].asInt64() == paid_hold, order.toStyledString());
  BOOST_TEST(order["payload"]["product_id"].asInt64() == product, order.toStyledString());
  BOOST_TEST(order["payload"]["quantity"].asInt64() == 3, order.toStyledString());
  HttpResponse raw = api.GetLogs("type=order_created&after_id=" + std::to_string(marker));
  BOOST_TEST(HasRawNumber(raw.body, "total_price", "7.50"), raw.body);

  Json::Value pay = Find(rows, "order_paid", "order_id", paid);
  BOOST_TEST(pay["payload"]["product_id"].asInt64() == product, pay.toStyledString());
  BOOST_TEST(pay["payload"]["quantity"].asInt64() == 3, pay.toStyledString());
  Json::Value cancel = Find(rows, "order_cancelled", "order_id", cancelled);
  BOOST_TEST(cancel["payload"]["product_id"].asInt64() == product, cancel.toStyledString());
  BOOST_TEST(cancel["payload"]["quantity"].asInt64() == 2, cancel.toStyledString());
  BOOST_TEST(Find(rows, "order_cancelled", "order_id", paid).isNull());
  BOOST_TEST(Find(rows, "order_paid", "order_id", cancelled).isNull());

  // The type filter returns that type only.
  for (const Json::Value& row : ReadAll(api, marker, "order_paid")) {
    BOOST_TEST(row["type"].asString() == "order_paid");
  }
  // The API shows what the table holds.
  BOOST_TEST(static_cast<int64_t>(rows.size()) ==
             db.Int("SELECT COUNT(*) FROM metrics_logs WHERE id > ?", {marker}));
}

BOOST_AUTO_TEST_CASE(invalid_queries_are_422) {
  Api api;
  struct Row {
    const char* query;
    const char* field;
  };
  const Row rows[] = {
      {"limit=0", "limit"},       {"limit=1001", "limit"},     {"limit=abc", "limit"},
      {"limit=-1", "limit"},      {"limit=1.5", "limit"},      {"limit=", "limit"},
      {"after_id=-1", "after_id"}, {"after_id=abc", "after_id"}, {"after_id=1e3", "after_id"},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.query) {
      HttpResponse r = api.GetLogs(row.query);
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.ErrorCode() == "validation_failed", r.Describe());
      BOOST_TEST(r.json["error"]["fields"][row.field].isString(), r.body);
    }
  }
  for (const char* ok : {"limit=1", "limit=1000", "after_id=0"}) {
    BOOST_TEST_CONTEXT(ok) { BOOST_TEST(api.GetLogs(ok).status == 200); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
