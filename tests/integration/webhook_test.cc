// POST /api/payments/webhook (the API reference "Payment webhook"): settling orders, idempotency of keys
// (sequential and concurrent replays), conflicting outcomes, webhooks that arrive before their
// order, and signatures (nothing is recorded for a bad one).
#include <boost/test/unit_test.hpp>
#include <map>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"
#include "../support/webhook_signer.h"

namespace flashsale::itest {
namespace {

void CheckWebhookAnswer(const HttpResponse& r, long status, int64_t order,
                        const std::string& order_status, bool applied, bool duplicate) {
  BOOST_TEST(r.status == status, r.Describe());
  BOOST_TEST_REQUIRE((r.json_ok && r.json.isObject()), r.Describe());
  BOOST_TEST(r.json["order_id"].asInt64() == order, r.body);
  BOOST_TEST(r.json["status"].asString() == order_status, r.body);
  BOOST_TEST(r.json["applied"].isBool(), r.body);
  BOOST_TEST(r.json["applied"].asBool() == applied, r.body);
  BOOST_TEST(r.json["duplicate"].isBool(), r.body);
  BOOST_TEST(r.json["duplicate"].asBool() == duplicate, r.body);
}

int64_t PaymentEventsForOrder(DbProbe& db, int64_t order) {
  return db.Int("SELECT COUNT(*) FROM payment_events WHERE order_id = ?", {order});
}

// The id the next order will get. Used to send a webhook before its order exists; the tests
// run one at a time, so nothing else creates an order in between.
int64_t NextOrderId(DbProbe& db) {
  return db.Int(
      "SELECT AUTO_INCREMENT FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(webhook)

BOOST_AUTO_TEST_CASE(success_pays_once_and_replays_are_duplicates) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10, "5.00");
  int64_t order = MustOrder(api, MustHold(api, product, 2));
  int64_t marker = db.LastMetricsId();
  std::string key = UniqueName("pay");

  HttpResponse first = api.Webhook(key, order, "success");
  CheckWebhookAnswer(first, 200, order, "paid", true, false);
  int64_t after_first = db.LastMetricsId();
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST_CONTEXT("replay " << i) {
      CheckWebhookAnswer(api.Webhook(key, order, "success"), 200, order, "paid", true, true);
    }
  }
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 8);
  BOOST_TEST(v.available == 8);
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM payment_events WHERE idempotency_key = ?", {key}) == 1);
  BOOST_TEST(CountMetricsFor(db, "order_paid", marker, "order_id", order) == 1);
  BOOST_TEST(db.LastMetricsId() == after_first, "replays wrote metrics rows");
  CheckInvariants(db, "sequential replays");
}

BOOST_AUTO_TEST_CASE(failed_cancels_and_restores_availability) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t hold = MustHold(api, product, 4);
  int64_t order = MustOrder(api, hold);
  BOOST_TEST(MustGetProduct(api, product).available == 6);
  int64_t marker = db.LastMetricsId();

  CheckWebhookAnswer(api.Webhook(UniqueName("fail"), order, "failed"), 200, order, "cancelled",
                     true, false);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 10);
  HttpResponse got = api.GetOrder(order);
  BOOST_TEST(got.json["status"].asString() == "cancelled", got.Describe());
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  BOOST_TEST(CountMetricsFor(db, "order_cancelled", marker, "order_id", order) == 1);
  // The units can be held again.
  BOOST_TEST(api.PostHold(product, 10).status == 201);
  CheckInvariants(db, "failed payment");
}

BOOST_AUTO_TEST_CASE(same_key_with_another_order_or_status_is_409) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t order_a = MustOrder(api, MustHold(api, product, 1));
  int64_t order_b = MustOrder(api, MustHold(api, product, 1));
  std::string key = UniqueName("reuse");
  CheckWebhookAnswer(api.Webhook(key, order_a, "success"), 200, order_a, "paid", true, false);
  int64_t marker = db.LastMetricsId();

  HttpResponse other_status = api.Webhook(key, order_a, "failed");
  BOOST_TEST(other_status.status == 409, other_status.Describe());
  BOOST_TEST(other_status.ErrorCode() == "idempotency_key_reused", other_status.Describe());
  HttpResponse other_order = api.Webhook(key, order_b, "success");
  BOOST_TEST(other_order.status == 409, other_order.Describe());
  BOOST_TEST(other_order.ErrorCode() == "idempotency_key_reused", other_order.Describe());

  BOOST_TEST(OrderStatus(db, order_a) == "paid");
  BOOST_TEST(OrderStatus(db, order_b) == "pending");
  BOOST_TEST(db.LastMetricsId() == marker);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 9);
  BOOST_TEST(v.available == 8);
  CheckInvariants(db, "reused webhook key");
}

BOOST_AUTO_TEST_CASE(an_order_settled_by_another_key_does_not_change) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t paid = MustOrder(api, MustHold(api, product, 2));
  int64_t cancelled = MustOrder(api, MustHold(api, product, 3));
  CheckWebhookAnswer(api.Webhook(UniqueName("a"), paid, "success"), 200, paid, "paid", true, false);
  CheckWebhookAnswer(api.Webhook(UniqueName("b"), cancelled, "failed"), 200, cancelled,
                     "cancelled", true, false);
  int64_t marker = db.LastMetricsId();

  // A failed after a success leaves the order paid; a success after a failed leaves it cancelled.
  CheckWebhookAnswer(api.Webhook(UniqueName("c"), paid, "failed"), 200, paid, "paid", false, false);
  CheckWebhookAnswer(api.Webhook(UniqueName("d"), cancelled, "success"), 200, cancelled,
                     "cancelled", false, false);
  CheckWebhookAnswer(api.Webhook(UniqueName("e"), paid, "success"), 200, paid, "paid", false, false);

  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 8);
  BOOST_TEST(v.available == 8);
  BOOST_TEST(db.CountMetrics("order_paid", marker) == 0);
  BOOST_TEST(db.CountMetrics("order_cancelled", marker) == 0);
  CheckInvariants(db, "webhooks for settled orders");
}

BOOST_AUTO_TEST_CASE(concurrent_replays_apply_once) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  for (const char* outcome : {"success", "failed"}) {
    BOOST_TEST_CONTEXT(outcome) {
      int64_t order = MustOrder(api, MustHold(api, product, 2));
      int64_t marker = db.LastMetricsId();
      ProductView before = MustGetProduct(api, product);
      std::string key = UniqueName("concurrent");
      const int kThreads = 30;
      std::vector<HttpResponse> answers =
          RunConcurrently(kThreads, [&](int) { return api.Webhook(key, order, outcome); });
      std::string expected = std::string(outcome) == "success" ? "paid" : "cancelled";
      int firsts = 0;
      for (const HttpResponse& r : answers) {
        BOOST_TEST(r.status == 200, r.Describe());
        BOOST_TEST(r.json["status"].asString() == expected, r.Describe());
        BOOST_TEST(r.json["applied"].asBool() == true, r.Describe());
        if (!r.json["duplicate"].asBool()) ++firsts;
      }
      BOOST_TEST(firsts == 1, "answers with duplicate:false: " << firsts);
      ProductView after = MustGetProduct(api, product);
      if (expected == "paid") {
        BOOST_TEST(after.stock == before.stock - 2);
        BOOST_TEST(after.available == before.available);
      } else {
        BOOST_TEST(after.stock == before.stock);
        BOOST_TEST(after.available == before.available + 2);
      }
      BOOST_TEST(db.Int("SELECT COUNT(*) FROM payment_events WHERE idempotency_key = ?", {key}) == 1);
      BOOST_TEST(db.Int("SELECT COUNT(*) FROM metrics_logs WHERE id > ? AND "
                        "CAST(JSON_VALUE(payload, '$.order_id') AS SIGNED) = ?",
                        {marker, order}) == 1,
                 "one settlement, one metrics row for the order");
      CheckInvariants(db, "concurrent replays");
    }
  }
}

// success and failed, with different keys, race for each order: the order changes status once
// and the loser is told the outcome with applied:false.
BOOST_AUTO_TEST_CASE(conflicting_webhooks_settle_once) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  const int kOrders = 10;
  int64_t product = MustCreateProduct(api, 2 * kOrders);
  int64_t marker = db.LastMetricsId();
  int paid_orders = 0;
  for (int i = 0; i < kOrders; ++i) {
    int64_t order = MustOrder(api, MustHold(api, product, 2));
    std::string success_key = UniqueName("race-ok");
    std::string failed_key = UniqueName("race-ko");
    std::vector<HttpResponse> answers = RunConcurrently(2, [&](int t) {
      return t == 0 ? api.Webhook(success_key, order, "success")
                    : api.Webhook(failed_key, order, "failed");
    });
    BOOST_TEST_CONTEXT("order " << order << ": " << answers[0].body << " / " << answers[1].body) {
      BOOST_TEST(answers[0].status == 200);
      BOOST_TEST(answers[1].status == 200);
      int applied = answers[0].json["applied"].asBool() + answers[1].json["applied"].asBool();
      BOOST_TEST(applied == 1);
      std::string final_status = OrderStatus(db, order);
      BOOST_TEST((final_status == "paid" || final_status == "cancelled"));
      BOOST_TEST(answers[0].json["status"].asString() == final_status);
      BOOST_TEST(answers[1].json["status"].asString() == final_status);
      BOOST_TEST(answers[0].json["applied"].asBool() == (final_status == "paid"));
      if (final_status == "paid") ++paid_orders;
      BOOST_TEST(CountMetricsFor(db, "order_paid", marker, "order_id", order) +
                     CountMetricsFor(db, "order_cancelled", marker, "order_id", order) ==
                 1);
    }
  }
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 2 * kOrders - 2 * paid_orders);
  BOOST_TEST(v.available == v.stock);
  CheckInvariants(db, "conflicting webhooks");
}

BOOST_AUTO_TEST_CASE(webhook_before_the_order_exists) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  for (const char* outcome : {"success", "failed"}) {
    BOOST_TEST_CONTEXT(outcome) {
      int64_t product = MustCreateProduct(api, 5, "12.50");
      int64_t hold = MustHold(api, product, 2);
      int64_t marker = db.LastMetricsId();
      int64_t future = NextOrderId(db);
      BOOST_TEST_REQUIRE(future > 0);
      std::string key = UniqueName("early");

      HttpResponse early = api.Webhook(key, future, outcome);
      CheckWebhookAnswer(early, 202, future, "deferred", false, false);
      CheckWebhookAnswer(api.Webhook(key, future, outcome), 202, future, "deferred", false, true);
      BOOST_TEST(CountMetricsFor(db, "payment_deferred", marker, "order_id", future) == 1);
      BOOST_TEST(db.Int("SELECT COUNT(*) FROM orders WHERE id = ?", {future}) == 0);

      HttpResponse created = api.PostOrder(hold);
      BOOST_TEST_REQUIRE(created.status == 201, created.Describe());
      BOOST_TEST_REQUIRE(created.json["order_id"].asInt64() == future,
                         "the order got another id than predicted; a deferred event for order "
                             << future << " is left behind: " << created.body);
      std::string expected = std::string(outcome) == "success" ? "paid" : "cancelled";
      BOOST_TEST(created.json["status"].asString() == expected, created.body);
      BOOST_TEST(HasRawNumber(created.body, "total_price", "25.00"), created.body);
      HttpResponse got = api.GetOrder(future);
      BOOST_TEST(got.json["status"].asString() == expected, got.Describe());
      ProductView v = MustGetProduct(api, product);
      if (expected == "paid") {
        BOOST_TEST(v.stock == 3);
        BOOST_TEST(v.available == 3);
      } else {
        BOOST_TEST(v.stock == 5);
        BOOST_TEST(v.available == 5);
      }
      BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
      CheckInvariants(db, std::string("deferred ") + outcome);
    }
  }
}

// The webhook and the creation of its order race, released together: whichever commits first,
// the payment is applied exactly once (the order is born paid, or the webhook pays it). This is
// what the webhook's REPEATABLE READ gap lock on the missing order is for; without it an order
// could be created between the webhook's read and its deferred event, and stay pending with
// the event never applied (the invariant checker reports such an event).
BOOST_AUTO_TEST_CASE(a_webhook_racing_the_creation_of_its_order_is_applied_once) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 100);
  int born_paid = 0, paid_by_webhook = 0;
  for (int round = 0; round < 25; ++round) {
    int64_t hold = MustHold(api, product, 1);
    int64_t future = NextOrderId(db);
    std::string key = UniqueName("race");
    std::vector<HttpResponse> answers = RunConcurrently(2, [&](int i) {
      return i == 0 ? api.PostOrder(hold) : api.Webhook(key, future, "success");
    });
    BOOST_TEST_CONTEXT("round " << round << ": " << answers[0].body << " / " << answers[1].body) {
      BOOST_TEST_REQUIRE(answers[0].status == 201);
      BOOST_TEST_REQUIRE(answers[0].json["order_id"].asInt64() == future);
      BOOST_TEST(OrderStatus(db, future) == "paid");
      BOOST_TEST(db.Int("SELECT COUNT(*) FROM payment_events WHERE order_id = ? AND outcome = "
                        "'applied'", {future}) == 1);
      if (answers[1].status == 202) {
        BOOST_TEST(answers[0].json["status"].asString() == "paid");
        ++born_paid;
      } else {
        CheckWebhookAnswer(answers[1], 200, future, "paid", true, false);
        ++paid_by_webhook;
      }
    }
  }
  BOOST_TEST_MESSAGE("born paid " << born_paid << ", paid by the webhook " << paid_by_webhook);
  CheckInvariants(db, "webhooks racing their orders");
}

BOOST_AUTO_TEST_CASE(bad_stale_or_missing_signatures_are_401_and_leave_no_trace) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  std::string body = Api::WebhookBody(UniqueName("sig"), order, "success");
  std::string other_body = Api::WebhookBody(UniqueName("sig"), order, "failed");
  int64_t now = NowUnixSeconds();
  std::string good = SignatureHeader(kWebhookSecret, body, now);
  std::string mac_now = HmacSha256Hex(kWebhookSecret, std::to_string(now) + "." + body);
  int64_t marker = db.LastMetricsId();
  int64_t events = db.Int("SELECT COUNT(*) FROM payment_events");

  struct Row {
    const char* what;
    std::optional<std::string> header;
  };
  const Row rows[] = {
      {"no header", std::nullopt},
      {"empty header", ""},
      {"garbage", "garbage"},
      {"wrong secret", SignatureHeader("not-the-secret", body, now)},
      {"signature of another body", SignatureHeader(kWebhookSecret, other_body, now)},
      {"stale by 400 s", SignatureHeader(kWebhookSecret, body, now - 400)},
      {"future by 400 s", SignatureHeader(kWebhookSecret, body, now + 400)},
      {"no t", "v1=" + mac_now},
      {"no v1", "t=" + std::to_string(now)},
      {"t that is not a number", "t=abc,v1=" + HmacSha256Hex(kWebhookSecret, "abc." + body)},
      {"t that does not match the mac", "t=" + std::to_string(now - 1) + ",v1=" + mac_now},
      {"truncated mac", good.substr(0, good.size() - 1)},
      {"empty mac", "t=" + std::to_string(now) + ",v1="},
      {"other scheme", "t=" + std::to_string(now) + ",v0=" + mac_now},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.what << ": X-Signature " << row.header.value_or("(none)")) {
      HttpResponse r = api.WebhookRaw(body, row.header);
      BOOST_TEST(r.status == 401, r.Describe());
      BOOST_TEST(r.ErrorCode() == "invalid_signature", r.Describe());
    }
  }
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM payment_events") == events, "a rejected webhook was recorded");
  BOOST_TEST(db.LastMetricsId() == marker, "a rejected webhook wrote a metrics row");
  BOOST_TEST(PaymentEventsForOrder(db, order) == 0);
  BOOST_TEST(OrderStatus(db, order) == "pending");
  BOOST_TEST(MustGetProduct(api, product).stock == 10);

  // What must be accepted: the same body correctly signed, then the rotation and tolerance cases.
  CheckWebhookAnswer(api.WebhookRaw(body, good), 200, order, "paid", true, false);
  int64_t order2 = MustOrder(api, MustHold(api, product, 1));
  std::string body2 = Api::WebhookBody(UniqueName("sig-prev"), order2, "success");
  CheckWebhookAnswer(api.WebhookRaw(body2, SignatureHeader(kWebhookSecretPrevious, body2, NowUnixSeconds())),
                     200, order2, "paid", true, false);
  int64_t order3 = MustOrder(api, MustHold(api, product, 1));
  std::string body3 = Api::WebhookBody(UniqueName("sig-multi"), order3, "success");
  int64_t t3 = NowUnixSeconds();
  std::string multi = "t=" + std::to_string(t3) + ",v1=" + std::string(64, '0') + ",v1=" +
                      HmacSha256Hex(kWebhookSecret, std::to_string(t3) + "." + body3);
  CheckWebhookAnswer(api.WebhookRaw(body3, multi), 200, order3, "paid", true, false);
  int64_t order4 = MustOrder(api, MustHold(api, product, 1));
  std::string body4 = Api::WebhookBody(UniqueName("sig-old"), order4, "success");
  CheckWebhookAnswer(api.WebhookRaw(body4, SignatureHeader(kWebhookSecret, body4, NowUnixSeconds() - 240)),
                     200, order4, "paid", true, false);
  CheckInvariants(db, "signatures");
}

BOOST_AUTO_TEST_CASE(validation_failures_are_422_and_leave_no_trace) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  std::string o = std::to_string(order);
  int64_t events = db.Int("SELECT COUNT(*) FROM payment_events");
  int64_t marker = db.LastMetricsId();
  struct Row {
    std::string body;
    const char* field;
  };
  const Row rows[] = {
      {"{\"idempotency_key\":\"k-v1\",\"order_id\":" + o + ",\"status\":\"paid\"}", "status"},
      {"{\"idempotency_key\":\"k-v2\",\"order_id\":" + o + ",\"status\":\"SUCCESS\"}", "status"},
      {"{\"idempotency_key\":\"k-v3\",\"order_id\":" + o + "}", "status"},
      {"{\"idempotency_key\":\"k-v4\",\"order_id\":" + o + ",\"status\":1}", "status"},
      {"{\"idempotency_key\":\"\",\"order_id\":" + o + ",\"status\":\"success\"}", "idempotency_key"},
      {"{\"idempotency_key\":\"" + std::string(256, 'k') + "\",\"order_id\":" + o +
           ",\"status\":\"success\"}",
       "idempotency_key"},
      {"{\"idempotency_key\":123,\"order_id\":" + o + ",\"status\":\"success\"}", "idempotency_key"},
      {"{\"order_id\":" + o + ",\"status\":\"success\"}", "idempotency_key"},
      {"{\"idempotency_key\":\"k-v5\",\"order_id\":\"" + o + "\",\"status\":\"success\"}", "order_id"},
      {"{\"idempotency_key\":\"k-v6\",\"order_id\":" + o + ".5,\"status\":\"success\"}", "order_id"},
      {"{\"idempotency_key\":\"k-v7\",\"status\":\"success\"}", "order_id"},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.body) {
      HttpResponse r = api.WebhookSigned(row.body);
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.ErrorCode() == "validation_failed", r.Describe());
      BOOST_TEST(r.json["error"]["fields"][row.field].isString(), r.body);
    }
  }
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM payment_events") == events);
  BOOST_TEST(db.LastMetricsId() == marker);
  BOOST_TEST(OrderStatus(db, order) == "pending");
  // 255 characters is a valid key.
  std::string key = UniqueName("max-key");
  key.append(255 - key.size(), 'z');
  CheckWebhookAnswer(api.Webhook(key, order, "success"), 200, order, "paid", true, false);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
