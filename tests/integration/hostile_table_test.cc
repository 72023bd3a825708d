// Hostile input, part 4: a table of malformed requests for every endpoint of the API reference, admin and
// logs included: wrong JSON types, missing fields, nulls, arrays and objects where scalars
// belong, numbers too large for an id, 1e400, negative ids, path ids with leading zeros or past
// INT64_MAX, bad query strings for /api/logs, bodies on GET and DELETE, Content-Types that are
// not JSON. Each row has its status and error code (and the field a 422 names); every answer
// must be a JSON object with Content-Type application/json and valid UTF-8, never a 500, and
// none of the rows may leave a row in the database.
#include <boost/test/unit_test.hpp>
#include <optional>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/hostile_checks.h"
#include "../support/raw_http.h"
#include "../support/test_stack.h"
#include "../support/webhook_signer.h"

namespace flashsale::itest {
namespace {

enum class Auth { kNone, kAdmin, kSigned };

struct Row {
  std::string method;
  std::string path;
  std::optional<std::string> body;
  long status;
  std::string code;
  std::string field;  // for a 422: the field error.fields must name
  Auth auth = Auth::kNone;
  Headers headers = {};
};

HttpResponse Send(const Api& api, const Row& row) {
  Headers headers = row.headers;
  if (row.auth == Auth::kAdmin) headers.emplace_back("Authorization", std::string("Bearer ") + kAdminToken);
  if (row.auth == Auth::kSigned) {
    headers.emplace_back("X-Signature",
                         SignatureHeader(kWebhookSecret, row.body.value_or(""), NowUnixSeconds()));
  }
  return api.http().Request(row.method, row.path, row.body, headers);
}

void RunRows(const Api& api, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.method << " " << Printable(row.path, 80) << " <"
                                  << Printable(row.body.value_or("(no body)"), 100) << ">") {
      HttpResponse r = Send(api, row);
      if (row.status == 200) {
        CheckJsonAnswer(r);
        BOOST_TEST(r.status == 200, AnswerText(r));
      } else if (!row.field.empty()) {
        CheckValidationFailed(r, row.field);
      } else {
        CheckJsonError(r, row.status, row.code);
      }
    }
  }
}

// {"<name>":<value>} merged into a valid body: `base` without its closing brace.
std::string With(const std::string& base, const std::string& member) {
  return base.substr(0, base.size() - 1) + (base.size() > 2 ? "," : "") + member + "}";
}

const char* kNotInts[] = {"null", "\"7\"", "7.0", "7.5", "1e2", "true", "[7]", "{\"id\":7}",
                          "-1", "0", "9223372036854775808", "18446744073709551616",
                          "123456789012345678901234567890", "-9223372036854775809"};

const char* kBadPathIds[] = {"0",  "00", "01", "-1", "+1", "1.0", "1e3", "0x1", "abc", "%31",
                             "1%20", "9223372036854775808", "99999999999999999999", ""};

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)
BOOST_FIXTURE_TEST_SUITE(table, PoolWatch)

BOOST_AUTO_TEST_CASE(malformed_bodies_for_every_endpoint) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  int64_t hold = MustHold(api, product, 1);
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  std::string p = std::to_string(product), h = std::to_string(hold), o = std::to_string(order);
  std::vector<Row> rows;

  // POST /api/holds
  for (const char* v : kNotInts) {
    rows.push_back({"POST", "/api/holds", With("{\"quantity\":1}", std::string("\"product_id\":") + v),
                    422, "validation_failed", "product_id"});
    rows.push_back({"POST", "/api/holds", With("{\"product_id\":" + p + "}", std::string("\"quantity\":") + v),
                    422, "validation_failed", "quantity"});
  }
  for (const char* q : {"1000001", "9223372036854775807", "-0"}) {
    rows.push_back({"POST", "/api/holds", "{\"product_id\":" + p + ",\"quantity\":" + q + "}", 422,
                    "validation_failed", "quantity"});
  }
  rows.push_back({"POST", "/api/holds", "{}", 422, "validation_failed", "product_id"});
  rows.push_back({"POST", "/api/holds", "{}", 422, "validation_failed", "quantity"});
  rows.push_back({"POST", "/api/holds", "{\"product_id\":" + p + "}", 422, "validation_failed", "quantity"});
  rows.push_back({"POST", "/api/holds", "{\"product_id\":1e400,\"quantity\":1}", 400, "invalid_json", ""});
  rows.push_back({"POST", "/api/holds", "{\"product_id\":999999999999,\"quantity\":1}", 404,
                  "product_not_found", ""});
  rows.push_back({"POST", "/api/holds", "{\"product_id\":" + p + ",\"quantity\":1000000}", 409,
                  "insufficient_stock", ""});

  // POST /api/orders
  for (const char* v : kNotInts) {
    rows.push_back({"POST", "/api/orders", std::string("{\"hold_id\":") + v + "}", 422,
                    "validation_failed", "hold_id"});
  }
  rows.push_back({"POST", "/api/orders", "{}", 422, "validation_failed", "hold_id"});
  rows.push_back({"POST", "/api/orders", "{\"hold\":" + h + "}", 422, "validation_failed", "hold_id"});
  rows.push_back({"POST", "/api/orders", "{\"hold_id\":1e400}", 400, "invalid_json", ""});
  rows.push_back({"POST", "/api/orders", "{\"hold_id\":999999999999}", 404, "hold_not_found", ""});

  // POST /api/payments/webhook (signed: the body is what is wrong)
  const std::string wh = "{\"idempotency_key\":\"" + UniqueName("t") + "\",\"order_id\":" + o +
                         ",\"status\":\"success\"}";
  auto webhook = [&](const std::string& key, const std::string& order_id, const std::string& status) {
    std::string body = "{";
    if (!key.empty()) body += "\"idempotency_key\":" + key;
    if (!order_id.empty()) body += std::string(body.size() > 1 ? "," : "") + "\"order_id\":" + order_id;
    if (!status.empty()) body += std::string(body.size() > 1 ? "," : "") + "\"status\":" + status;
    return body + "}";
  };
  const std::string key = "\"" + UniqueName("wk") + "\"";
  for (const char* v : {"null", "\"\"", "5", "true", "[\"k\"]", "{\"k\":1}"}) {
    rows.push_back({"POST", "/api/payments/webhook", webhook(v, o, "\"success\""), 422,
                    "validation_failed", "idempotency_key", Auth::kSigned});
  }
  rows.push_back({"POST", "/api/payments/webhook", webhook("", o, "\"success\""), 422,
                  "validation_failed", "idempotency_key", Auth::kSigned});
  for (const char* v : kNotInts) {
    rows.push_back({"POST", "/api/payments/webhook", webhook(key, v, "\"success\""), 422,
                    "validation_failed", "order_id", Auth::kSigned});
  }
  rows.push_back({"POST", "/api/payments/webhook", webhook(key, "", "\"success\""), 422,
                  "validation_failed", "order_id", Auth::kSigned});
  for (const char* v : {"null", "\"\"", "\"SUCCESS\"", "\"Success\"", "\"paid\"", "\"success \"",
                        "\" failed\"", "1", "true", "[\"success\"]"}) {
    rows.push_back({"POST", "/api/payments/webhook", webhook(key, o, v), 422, "validation_failed",
                    "status", Auth::kSigned});
  }
  rows.push_back({"POST", "/api/payments/webhook", "{}", 422, "validation_failed", "status",
                  Auth::kSigned});
  rows.push_back({"POST", "/api/payments/webhook", "{\"order_id\":1e400}", 400, "invalid_json", "",
                  Auth::kSigned});
  rows.push_back({"POST", "/api/payments/webhook", wh, 401, "invalid_signature", ""});
  rows.push_back({"POST", "/api/payments/webhook", wh, 401, "invalid_signature", "", Auth::kNone,
                  {{"X-Signature", SignatureHeader(kWebhookSecret, wh + " ", NowUnixSeconds())}}});
  rows.push_back({"POST", "/api/payments/webhook", wh, 401, "invalid_signature", "", Auth::kNone,
                  {{"X-Signature", SignatureHeader("wrong-secret", wh, NowUnixSeconds())}}});

  // POST /api/admin/products
  const std::string prod = "{\"name\":\"" + UniqueName("t") + "\",\"price\":1.00,\"stock\":1}";
  for (const Headers& auth : std::vector<Headers>{
           {},
           {{"Authorization", "Bearer wrong"}},
           {{"Authorization", kAdminToken}},
           {{"Authorization", std::string("Basic ") + kAdminToken}},
           {{"Authorization", std::string("Bearer ") + kAdminToken + "x"}},
           {{"Authorization", std::string("Bearer  ") + kAdminToken}}}) {
    rows.push_back({"POST", "/api/admin/products", prod, 401, "unauthorized", "", Auth::kNone, auth});
    rows.push_back({"PATCH", "/api/admin/products/" + p, "{\"stock\":9}", 401, "unauthorized", "",
                    Auth::kNone, auth});
  }
  // nginx takes Authorization, like Host and Content-Length, at most once.
  const Headers twice = {{"Authorization", std::string("Bearer ") + kAdminToken},
                         {"Authorization", std::string("Bearer ") + kAdminToken}};
  rows.push_back({"POST", "/api/admin/products", prod, 400, "bad_request", "", Auth::kNone, twice});
  rows.push_back({"POST", "/api/admin/products", "not json", 401, "unauthorized", ""});
  for (const char* v : {"null", "123", "[\"a\"]", "true", "{}", "\"\""}) {
    rows.push_back({"POST", "/api/admin/products", std::string("{\"name\":") + v + ",\"price\":1,\"stock\":1}",
                    422, "validation_failed", "name", Auth::kAdmin});
    rows.push_back({"PATCH", "/api/admin/products/" + p, std::string("{\"name\":") + v + "}", 422,
                    "validation_failed", "name", Auth::kAdmin});
  }
  for (const char* v : {"null", "\"1.00\"", "[1]", "true", "-1", "1000000.01", "1.001"}) {
    rows.push_back({"POST", "/api/admin/products", std::string("{\"name\":\"n\",\"price\":") + v + ",\"stock\":1}",
                    422, "validation_failed", "price", Auth::kAdmin});
    rows.push_back({"PATCH", "/api/admin/products/" + p, std::string("{\"price\":") + v + "}", 422,
                    "validation_failed", "price", Auth::kAdmin});
  }
  for (const char* v : {"null", "\"1\"", "1.5", "1e2", "-1", "1000000001", "true", "[1]",
                        "9223372036854775808"}) {
    rows.push_back({"POST", "/api/admin/products", std::string("{\"name\":\"n\",\"price\":1,\"stock\":") + v + "}",
                    422, "validation_failed", "stock", Auth::kAdmin});
    rows.push_back({"PATCH", "/api/admin/products/" + p, std::string("{\"stock\":") + v + "}", 422,
                    "validation_failed", "stock", Auth::kAdmin});
  }
  rows.push_back({"POST", "/api/admin/products", "{}", 422, "validation_failed", "name", Auth::kAdmin});
  rows.push_back({"POST", "/api/admin/products", "{\"name\":\"n\"}", 422, "validation_failed", "price", Auth::kAdmin});
  rows.push_back({"POST", "/api/admin/products", "{\"stock\":1e400}", 400, "invalid_json", "", Auth::kAdmin});
  rows.push_back({"PATCH", "/api/admin/products/" + p, "{}", 422, "validation_failed", "stock", Auth::kAdmin});
  rows.push_back({"PATCH", "/api/admin/products/" + p, "{\"stok\":1}", 422, "validation_failed", "stock", Auth::kAdmin});
  rows.push_back({"PATCH", "/api/admin/products/" + p, "{\"stock\":0}", 409, "stock_below_reserved", "", Auth::kAdmin});
  rows.push_back({"PATCH", "/api/admin/products/999999999999", "{\"stock\":1}", 404, "not_found", "", Auth::kAdmin});

  // Content-Types that are not JSON: the body is read as JSON whatever the header says.
  const std::string hold_form = "product_id=" + p + "&quantity=1";
  rows.push_back({"POST", "/api/holds", hold_form, 400, "invalid_json", "", Auth::kNone,
                  {{"Content-Type", "application/x-www-form-urlencoded"}}});
  rows.push_back({"POST", "/api/holds",
                  "--b\r\nContent-Disposition: form-data; name=\"product_id\"\r\n\r\n" + p + "\r\n--b--\r\n",
                  400, "invalid_json", "", Auth::kNone, {{"Content-Type", "multipart/form-data; boundary=b"}}});
  rows.push_back({"POST", "/api/admin/products", "{\"name\":\"caf\xE9\",\"price\":1,\"stock\":1}", 400,
                  "invalid_json", "", Auth::kAdmin, {{"Content-Type", "application/json; charset=iso-8859-1"}}});
  rows.push_back({"POST", "/api/orders", "<order><hold_id>" + h + "</hold_id></order>", 400,
                  "invalid_json", "", Auth::kNone, {{"Content-Type", "application/xml"}}});

  RowCounts before = CountRows(db);
  RunRows(api, rows);
  CheckNothingRecorded(db, before);
  BOOST_TEST(HoldStatus(db, hold) == "active");
  BOOST_TEST(OrderStatus(db, order) == "pending");
  BOOST_TEST(ReadDbProduct(db, product).stock == 5);
}

BOOST_AUTO_TEST_CASE(malformed_paths_queries_and_bodies_on_reads) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  int64_t hold = MustHold(api, product, 1);
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  std::vector<Row> rows;
  for (const char* id : kBadPathIds) {
    rows.push_back({"GET", std::string("/api/products/") + id, std::nullopt, 404, "not_found", ""});
    rows.push_back({"GET", std::string("/api/holds/") + id, std::nullopt, 404, "not_found", ""});
    rows.push_back({"DELETE", std::string("/api/holds/") + id, std::nullopt, 404, "not_found", ""});
    rows.push_back({"GET", std::string("/api/orders/") + id, std::nullopt, 404, "not_found", ""});
    rows.push_back({"PATCH", std::string("/api/admin/products/") + id, "{\"stock\":1}", 404, "not_found",
                    "", Auth::kAdmin});
  }
  for (const std::string& suffix : {"/", "/x", "%2F"}) {
    rows.push_back({"GET", "/api/products/" + std::to_string(product) + suffix, std::nullopt, 404, "not_found", ""});
  }
  rows.push_back({"GET", "/api/products/9223372036854775807", std::nullopt, 404, "not_found", ""});
  rows.push_back({"GET", "/api/holds/9223372036854775807", std::nullopt, 404, "hold_not_found", ""});
  rows.push_back({"DELETE", "/api/holds/9223372036854775807", "garbage", 404, "hold_not_found", ""});

  // /api/logs query strings.
  for (const char* q : {"limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=1.5", "limit=1e2",
                        "limit=", "limit", "limit=+5", "limit=%2B5", "limit=99999999999999999999",
                        "limit=%31%30%30%31", "limit=1%00", "limit=%201", "limit=0x10", "&&&limit"}) {
    rows.push_back({"GET", std::string("/api/logs?") + q, std::nullopt, 422, "validation_failed", "limit"});
  }
  for (const char* q : {"after_id=-1", "after_id=abc", "after_id=9223372036854775808", "after_id=1.0",
                        "after_id=", "after_id=1e3", "after_id=99999999999999999999999"}) {
    rows.push_back({"GET", std::string("/api/logs?") + q, std::nullopt, 422, "validation_failed",
                    "after_id"});
  }
  for (const char* q : {"type=", "type", "type=%E2%82", "type=%C0%AF", "type=%ED%A0%80",
                        "type=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    rows.push_back({"GET", std::string("/api/logs?") + q, std::nullopt, 422, "validation_failed", "type"});
  }
  for (const char* q : {"", "?", "?&&", "?x=1", "?limit=1&limit=abc", "?after_id=9223372036854775807",
                        "?type=nothing-like-this", "?type=%25zz", "?limit=1000", "?%zz=%zz",
                        "?type=hold_created&type=", "?type=%F0%9F%98%80"}) {
    rows.push_back({"GET", std::string("/api/logs") + q, std::nullopt, 200, "", ""});
  }
  // Bodies on GET are ignored, not parsed.
  rows.push_back({"GET", "/api/products/" + std::to_string(product), "{not json", 200, "", ""});
  rows.push_back({"GET", "/api/holds/" + std::to_string(hold), "\xFF\xFE", 200, "", ""});
  rows.push_back({"GET", "/api/orders/" + std::to_string(order), "[[[[", 200, "", ""});
  rows.push_back({"GET", "/api/logs?limit=1", "{\"limit\":5000}", 200, "", ""});
  rows.push_back({"GET", "/api/health", std::string(60000, '{'), 200, "", ""});

  RowCounts before = CountRows(db);
  RunRows(api, rows);
  CheckNothingRecorded(db, before);

  // A DELETE with a body releases the hold all the same (the body is ignored).
  HttpResponse released = api.http().Request("DELETE", "/api/holds/" + std::to_string(hold), "{oops");
  CheckJsonAnswer(released);
  BOOST_TEST(released.status == 200, released.Describe());
  BOOST_TEST(released.json["status"].asString() == "released", released.Describe());
}

// The request's Content-Type is not checked: a JSON body is read whatever it says (curl -d sends
// application/x-www-form-urlencoded), and a missing one is fine.
BOOST_AUTO_TEST_CASE(content_type_does_not_decide) {
  Api api;
  int64_t product = MustCreateProduct(api, 5);
  std::string body = "{\"product_id\":" + std::to_string(product) + ",\"quantity\":1}";
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/xml"}) {
    HttpResponse r = api.PostHoldBody(body, {{"Content-Type", type}});
    CheckJsonAnswer(r);
    BOOST_TEST(r.status == 201, type << ": " << r.Describe());
  }
  RawResponse none =
      RawRequest(Stack().port(), RawRequestText("POST", "/api/holds", {}, body));
  CheckJsonAnswer(none);
  BOOST_TEST(none.status == 201, AnswerText(none));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
