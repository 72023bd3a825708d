// The payment window (the API reference "Orders", "Payment webhook"): a pending order expires at
// created + order_ttl_seconds, exact to the second for reads and new holds whether or not the
// expiry job has run; the job releases expired orders in batches with an order_expired row
// each; a payment is decided by the clock under the order's row lock (before expires_at it
// pays, after it the order stays expired and payment_after_expiry is logged); an order born
// settled by a deferred webhook never expires; and the cache never serves availability across
// an order's expiry.
//
// The suite restarts the pool with order_ttl_seconds = 2 (holds keep their 120 s) and puts the
// default back afterwards.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <thread>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/redis_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

constexpr int kShortOrderTtl = 2;

struct ShortOrderTtl {
  ShortOrderTtl() {
    Stack().RestartPool({{"FLASHSALE_ORDER_TTL_SECONDS", std::to_string(kShortOrderTtl)}});
  }
  ~ShortOrderTtl() {
    try {
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restore the pool's default order ttl: " << e.what());
    }
  }
};

struct Placed {
  int64_t id = 0;
  int64_t expires_ms = 0;
};

// A 201 order for a new hold of `quantity`: its id and expires_at.
Placed MustPlaceOrder(const Api& api, int64_t product, int64_t quantity) {
  int64_t hold = MustHold(api, product, quantity);
  int64_t sent = NowMillis();
  HttpResponse r = api.PostOrder(hold);
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.Describe());
  BOOST_REQUIRE_MESSAGE(r.json["status"].asString() == "pending", r.body);
  std::optional<int64_t> expires = ParseRfc3339Millis(r.json["expires_at"].asString());
  BOOST_REQUIRE_MESSAGE(expires.has_value(), r.body);
  // The pool really runs with the short window (else every wait below is meaningless).
  BOOST_REQUIRE_MESSAGE(*expires <= NowMillis() + kShortOrderTtl * 1000 + 1000, r.body);
  BOOST_REQUIRE_MESSAGE(*expires >= sent + kShortOrderTtl * 1000 - 1000, r.body);
  return {r.json["order_id"].asInt64(), *expires};
}

void CheckPaymentAnswer(const HttpResponse& r, int64_t order, const std::string& status,
                        bool applied, bool duplicate) {
  BOOST_TEST(r.status == 200, r.Describe());
  BOOST_TEST(r.json["order_id"].asInt64() == order, r.body);
  BOOST_TEST(r.json["status"].asString() == status, r.body);
  BOOST_TEST(r.json["applied"].asBool() == applied, r.body);
  BOOST_TEST(r.json["duplicate"].asBool() == duplicate, r.body);
}

int64_t NextOrderId(DbProbe& db) {
  return db.Int(
      "SELECT AUTO_INCREMENT FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(payment_window, *boost::unit_test::fixture<ShortOrderTtl>())

BOOST_AUTO_TEST_CASE(an_unpaid_order_expires_to_the_second_without_the_job) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  int64_t marker = db.LastMetricsId();
  Placed order = MustPlaceOrder(api, product, 5);
  BOOST_TEST(MustGetProduct(api, product).available == 0);

  // Not before its time.
  SleepUntilMillis(order.expires_ms - 600);
  if (NowMillis() < order.expires_ms - 200) {
    BOOST_TEST(MustGetProduct(api, product).available == 0, "units returned before expires_at");
    HttpResponse early = api.PostHold(product, 1);
    BOOST_TEST(early.status == 409, "a hold got units before expires_at: " << early.Describe());
    HttpResponse got = api.GetOrder(order.id);
    BOOST_TEST(got.json["status"].asString() == "pending", got.Describe());
  }

  // Right after expires_at: expired for every reader, though nothing has released it yet.
  SleepUntilMillis(order.expires_ms + 100);
  HttpResponse got = api.GetOrder(order.id);
  BOOST_TEST(got.status == 200, got.Describe());
  BOOST_TEST(got.json["status"].asString() == "expired", got.Describe());
  BOOST_TEST(ParseRfc3339Millis(got.json["expires_at"].asString()).value_or(0) ==
             order.expires_ms, got.body);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 5);
  BOOST_TEST(v.available == 5, "units of an expired order are not available after expires_at");
  BOOST_TEST(OrderStatus(db, order.id) == "pending", "released by something: the test is moot");
  BOOST_TEST(ReadDbProduct(db, product).reserved == 5);
  CheckInvariants(db, "an expired order nobody released");  // still counted in reserved

  // A new hold needs those units: it releases the order in its own transaction.
  HttpResponse again = api.PostHold(product, 5);
  BOOST_TEST(again.status == 201, again.Describe());
  BOOST_TEST(OrderStatus(db, order.id) == "expired");
  BOOST_TEST(CountMetricsFor(db, "order_expired", marker, "order_id", order.id) == 1);
  BOOST_TEST(MustGetProduct(api, product).available == 0);
  BOOST_TEST(api.GetOrder(order.id).json["status"].asString() == "expired");
  BOOST_TEST(db.CountMetrics("holds_batch_released", marker) == 0, "the job ran during the test");
  CheckInvariants(db, "an expired order released by a hold");

  // The job finds nothing more to do with it.
  CommandResult job = Stack().RunExpiryJob();
  BOOST_TEST(job.exit_code == 0, job.output);
  BOOST_TEST(CountMetricsFor(db, "order_expired", marker, "order_id", order.id) == 1);
}

BOOST_AUTO_TEST_CASE(the_job_expires_orders_in_batches_and_logs_each) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 20);
  int64_t other = MustCreateProduct(api, 20);
  std::map<int64_t, int64_t> quantity;  // order -> units
  int64_t last_expiry = 0;
  for (int64_t q : {1, 2, 3, 1, 2, 3, 1}) {
    Placed o = MustPlaceOrder(api, q % 2 == 0 ? other : product, q);
    quantity[o.id] = q;
    last_expiry = std::max(last_expiry, o.expires_ms);
  }
  // A paid order never expires.
  Placed paid = MustPlaceOrder(api, product, 2);
  CheckPaymentAnswer(api.Webhook(UniqueName("pw-paid"), paid.id, "success"), paid.id, "paid",
                     true, false);
  SleepUntilMillis(std::max(last_expiry, paid.expires_ms) + 200);
  BOOST_TEST_REQUIRE(ReadDbProduct(db, product).reserved == 9,
                     "the expired orders were released before the job ran");
  BOOST_TEST(MustGetProduct(api, product).available == 18);
  BOOST_TEST(MustGetProduct(api, other).available == 20);

  Placed alive = MustPlaceOrder(api, other, 1);
  int64_t marker = db.LastMetricsId();
  CommandResult job = Stack().RunExpiryJob({{"FLASHSALE_EXPIRY_BATCH_SIZE", "3"}});
  bool alive_unexpired = NowMillis() < alive.expires_ms;
  BOOST_TEST(job.exit_code == 0, job.output);

  for (const auto& [order, q] : quantity) {
    BOOST_TEST_CONTEXT("order " << order) {
      BOOST_TEST(OrderStatus(db, order) == "expired");
      std::vector<SqlRow> rows = db.Query(
          "SELECT CAST(JSON_VALUE(payload, '$.quantity') AS SIGNED) FROM metrics_logs "
          "WHERE type = 'order_expired' AND id > ? "
          "AND CAST(JSON_VALUE(payload, '$.order_id') AS SIGNED) = ?",
          {marker, order});
      BOOST_TEST_REQUIRE(rows.size() == 1u);
      BOOST_TEST(rows[0][0].value_or("") == std::to_string(q));
      HttpResponse got = api.GetOrder(order);
      BOOST_TEST(got.json["status"].asString() == "expired", got.Describe());
    }
  }
  BOOST_TEST(OrderStatus(db, paid.id) == "paid");
  if (alive_unexpired) {
    BOOST_TEST(OrderStatus(db, alive.id) == "pending", "the job expired an order before its time");
  }
  // Batches of at most 3 rows, each logged once in its own transaction, all of one run.
  std::vector<SqlRow> batches = db.Query(
      "SELECT CAST(JSON_VALUE(payload, '$.released') AS SIGNED),"
      " CAST(JSON_VALUE(payload, '$.orders_expired') AS SIGNED), JSON_VALUE(payload, '$.run_id')"
      " FROM metrics_logs WHERE type = 'holds_batch_released' AND id > ? ORDER BY id",
      {marker});
  BOOST_TEST(batches.size() >= 3u, "7 orders in batches of 3 took " << batches.size());
  int64_t orders_in_batches = 0;
  std::set<std::string> runs;
  for (const SqlRow& b : batches) {
    int64_t holds = std::stoll(b[0].value_or("0"));
    int64_t orders = std::stoll(b[1].value_or("-1"));
    BOOST_TEST(orders >= 0);
    BOOST_TEST(holds + orders >= 1);
    BOOST_TEST(holds + orders <= 3, "a batch of " << holds + orders << " rows");
    orders_in_batches += orders;
    runs.insert(b[2].value_or(""));
  }
  BOOST_TEST(orders_in_batches == db.CountMetrics("order_expired", marker));
  BOOST_TEST(runs.size() == 1u);
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  BOOST_TEST(MustGetProduct(api, product).available == 18);
  BOOST_TEST(MustGetProduct(api, product).stock == 18);
  CheckInvariants(db, "the job expiring orders");

  // A second run finds nothing of these.
  int64_t marker2 = db.LastMetricsId();
  CommandResult second = Stack().RunExpiryJob();
  BOOST_TEST(second.exit_code == 0, second.output);
  for (const auto& [order, q] : quantity) {
    BOOST_TEST(CountMetricsFor(db, "order_expired", marker2, "order_id", order) == 0);
  }
}

BOOST_AUTO_TEST_CASE(a_payment_just_before_expires_at_pays_and_just_after_does_not) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10, "3.50");
  Placed early = MustPlaceOrder(api, product, 2);
  Placed late = MustPlaceOrder(api, product, 3);
  Placed late_failed = MustPlaceOrder(api, product, 1);
  int64_t marker = db.LastMetricsId();

  // Just before: paid, for good.
  std::string early_key = UniqueName("pw-early");
  SleepUntilMillis(early.expires_ms - 500);
  HttpResponse paid = api.Webhook(early_key, early.id, "success");
  int64_t answered = NowMillis();
  if (answered < early.expires_ms) {
    CheckPaymentAnswer(paid, early.id, "paid", true, false);
  } else {
    BOOST_TEST_MESSAGE("the early webhook was answered after expires_at; not checking it");
  }

  // Just after: the window is closed, whatever the job did or did not do.
  SleepUntilMillis(std::max(late.expires_ms, late_failed.expires_ms) + 30);
  std::string late_key = UniqueName("pw-late");
  CheckPaymentAnswer(api.Webhook(late_key, late.id, "success"), late.id, "expired", false, false);
  CheckPaymentAnswer(api.Webhook(late_key, late.id, "success"), late.id, "expired", false, true);
  std::string failed_key = UniqueName("pw-late-failed");
  CheckPaymentAnswer(api.Webhook(failed_key, late_failed.id, "failed"), late_failed.id,
                     "expired", false, false);
  CheckPaymentAnswer(api.Webhook(failed_key, late_failed.id, "failed"), late_failed.id,
                     "expired", false, true);
  // Another key for the same expired order: still expired, and logged as a payment to refund.
  CheckPaymentAnswer(api.Webhook(UniqueName("pw-late2"), late.id, "success"), late.id, "expired",
                     false, false);

  BOOST_TEST(OrderStatus(db, late.id) == "expired");
  BOOST_TEST(OrderStatus(db, late_failed.id) == "expired");
  BOOST_TEST(CountMetricsFor(db, "payment_after_expiry", marker, "order_id", late.id) == 2);
  BOOST_TEST(CountMetricsFor(db, "payment_after_expiry", marker, "order_id", late_failed.id) == 0);
  BOOST_TEST(CountMetricsFor(db, "order_expired", marker, "order_id", late.id) == 1);
  BOOST_TEST(CountMetricsFor(db, "order_expired", marker, "order_id", late_failed.id) == 1);
  BOOST_TEST(db.Str("SELECT JSON_VALUE(payload, '$.idempotency_key') FROM metrics_logs "
                    "WHERE type = 'payment_after_expiry' AND id > ? ORDER BY id LIMIT 1",
                    {marker}) == late_key);
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM payment_events WHERE order_id = ? AND outcome = 'applied'",
                    {late.id}) == 0);
  HttpResponse got = api.GetOrder(late.id);
  BOOST_TEST(got.json["status"].asString() == "expired", got.Describe());
  BOOST_TEST(got.json["expires_at"].isString(), got.body);

  if (answered < early.expires_ms) {
    BOOST_TEST(OrderStatus(db, early.id) == "paid");
    HttpResponse early_now = api.GetOrder(early.id);
    BOOST_TEST(early_now.json["status"].asString() == "paid", early_now.Describe());
    BOOST_TEST(early_now.json["expires_at"].isNull(), early_now.body);
    CheckPaymentAnswer(api.Webhook(early_key, early.id, "success"), early.id, "paid", true, true);
    ProductView v = MustGetProduct(api, product);
    BOOST_TEST(v.stock == 8);
    BOOST_TEST(v.available == 8);
  }
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  CheckInvariants(db, "payments around expires_at");
}

BOOST_AUTO_TEST_CASE(an_order_born_settled_by_a_deferred_webhook_never_expires) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t marker = db.LastMetricsId();

  int64_t paid_id = NextOrderId(db);
  HttpResponse deferred = api.Webhook(UniqueName("pw-deferred"), paid_id, "success");
  BOOST_TEST_REQUIRE(deferred.status == 202, deferred.Describe());
  HttpResponse born_paid = api.PostOrder(MustHold(api, product, 3));
  BOOST_TEST_REQUIRE(born_paid.status == 201, born_paid.Describe());
  BOOST_TEST_REQUIRE(born_paid.json["order_id"].asInt64() == paid_id, born_paid.body);
  BOOST_TEST(born_paid.json["status"].asString() == "paid", born_paid.body);
  BOOST_TEST(born_paid.json["expires_at"].isNull(), born_paid.body);

  int64_t cancelled_id = NextOrderId(db);
  HttpResponse deferred_failed = api.Webhook(UniqueName("pw-deferred"), cancelled_id, "failed");
  BOOST_TEST_REQUIRE(deferred_failed.status == 202, deferred_failed.Describe());
  HttpResponse born_cancelled = api.PostOrder(MustHold(api, product, 2));
  BOOST_TEST_REQUIRE(born_cancelled.status == 201, born_cancelled.Describe());
  BOOST_TEST(born_cancelled.json["status"].asString() == "cancelled", born_cancelled.body);
  BOOST_TEST(born_cancelled.json["expires_at"].isNull(), born_cancelled.body);

  // Well past what would have been their deadline, with the job run too.
  SleepMillis(kShortOrderTtl * 1000 + 300);
  CommandResult job = Stack().RunExpiryJob();
  BOOST_TEST(job.exit_code == 0, job.output);
  for (int64_t id : {paid_id, cancelled_id}) {
    BOOST_TEST_CONTEXT("order " << id) {
      HttpResponse got = api.GetOrder(id);
      BOOST_TEST(got.json["status"].asString() == (id == paid_id ? "paid" : "cancelled"),
                 got.Describe());
      BOOST_TEST(got.json["expires_at"].isNull(), got.body);
      BOOST_TEST(CountMetricsFor(db, "order_expired", marker, "order_id", id) == 0);
    }
  }
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 7);
  BOOST_TEST(v.available == 7);
  CheckInvariants(db, "orders born settled");
}

// A reader fills the cache just before an order's expires_at; a reader just after must not get
// that entry: the snapshot is valid only until the next order expiry (as for holds).
BOOST_AUTO_TEST_CASE(the_cache_never_serves_availability_across_an_order_expiry) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  RedisProbe redis(Stack().redis_socket());
  for (int round = 0; round < 2; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      int64_t product = MustCreateProduct(api, 4);
      Placed order = MustPlaceOrder(api, product, 4);
      SleepUntilMillis(order.expires_ms - 250);
      if (NowMillis() > order.expires_ms - 150) {
        BOOST_TEST_MESSAGE("too late to fill the cache before expires_at; round skipped");
        continue;
      }
      BOOST_TEST(MustGetProduct(api, product).available == 0);
      BOOST_TEST(MustGetProduct(api, product).available == 0);
      // Guard: the cache holds an entry now, or this round proves nothing.
      BOOST_TEST(!redis.Command({"GET", "flashsale:product:" + std::to_string(product)}).empty(),
                 "no cache entry before expires_at");
      SleepUntilMillis(order.expires_ms + 20);
      for (int read = 0; read < 5; ++read) {
        ProductView v = MustGetProduct(api, product);
        BOOST_TEST(v.available == 4, "read " << read << " at expires_at + "
                                             << NowMillis() - order.expires_ms << " ms");
        SleepMillis(100);
      }
      BOOST_TEST(OrderStatus(db, order.id) == "pending");  // nobody released it: reads computed it
    }
  }
  CheckInvariants(db, "cache across an order expiry");
}

// Webhooks race the expiry of their orders (some before expires_at, some after), while the job
// and hold requests that need the units release expired orders. Every answer must agree with
// the database: "paid" answers are paid orders, "expired" answers are expired orders with a
// payment_after_expiry row per success, and the counters add up.
BOOST_AUTO_TEST_CASE(webhooks_racing_the_expiry_agree_with_the_database) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  const int kOrders = 24;
  int64_t product = MustCreateProduct(api, kOrders + 10);
  std::vector<Placed> orders;
  for (int i = 0; i < kOrders; ++i) orders.push_back(MustPlaceOrder(api, product, 1));
  int64_t marker = db.LastMetricsId();
  int64_t pivot = orders.back().expires_ms;
  SleepUntilMillis(orders.front().expires_ms - 300);

  std::atomic<bool> stop{false};
  std::thread releasers([&] {
    while (!stop.load()) {
      Stack().RunExpiryJob();
      // Needs the units of expired orders: releases them in its own transaction.
      HttpResponse h = api.PostHold(product, 11);
      if (h.status == 201) api.DeleteHold(h.json["hold_id"].asInt64());
    }
  });
  std::vector<HttpResponse> answers = RunConcurrently(kOrders, [&](int i) {
    // Spread the deliveries over the last orders' expiry instant.
    SleepUntilMillis(pivot - 200 + (i * 400) / kOrders);
    return api.Webhook(UniqueName("pw-race"), orders[static_cast<size_t>(i)].id,
                       i % 3 == 0 ? "failed" : "success");
  });
  stop = true;
  releasers.join();
  Stack().RunExpiryJob();

  int paid = 0, cancelled = 0, expired = 0;
  for (int i = 0; i < kOrders; ++i) {
    const HttpResponse& r = answers[static_cast<size_t>(i)];
    int64_t id = orders[static_cast<size_t>(i)].id;
    BOOST_TEST_CONTEXT("order " << id << " " << r.body) {
      BOOST_TEST_REQUIRE(r.status == 200, r.Describe());
      std::string said = r.json["status"].asString();
      BOOST_TEST(OrderStatus(db, id) == said);
      bool success = i % 3 != 0;
      BOOST_TEST(r.json["applied"].asBool() == (said != "expired"));
      BOOST_TEST(CountMetricsFor(db, "payment_after_expiry", marker, "order_id", id) ==
                 (said == "expired" && success ? 1 : 0));
      paid += said == "paid";
      cancelled += said == "cancelled";
      expired += said == "expired";
      BOOST_TEST((said == "paid" || said == "cancelled" || said == "expired"));
    }
  }
  BOOST_TEST_MESSAGE("paid " << paid << ", cancelled " << cancelled << ", expired " << expired);
  BOOST_TEST(ReadDbProduct(db, product).stock == kOrders + 10 - paid);
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  BOOST_TEST(MustGetProduct(api, product).available == kOrders + 10 - paid);
  CheckInvariants(db, "webhooks racing the expiry");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
