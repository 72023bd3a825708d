// Hold expiry (API.md "Guarantees" 3): within 1 s after expires_at the units are available for
// reads and new holds without the expiry job; the job (flashsale-release-expired) then releases
// them, logs hold_released per hold and holds_batch_released per run, and two copies running at
// once never release the same hold twice.
//
// The suite restarts the pool with hold_ttl_seconds = 2 and puts the default back afterwards.
#include <boost/test/unit_test.hpp>
#include <set>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

constexpr int kShortTtlSeconds = 2;

struct ShortHoldTtl {
  ShortHoldTtl() {
    Stack().RestartPool({{"FLASHSALE_HOLD_TTL_SECONDS", std::to_string(kShortTtlSeconds)}});
  }
  ~ShortHoldTtl() {
    try {
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restore the pool's default hold ttl: " << e.what());
    }
  }
};

// A 201 hold: its id and expires_at in milliseconds.
struct Held {
  int64_t id = 0;
  int64_t expires_ms = 0;
};

Held MustHoldUntil(const Api& api, int64_t product, int64_t quantity) {
  int64_t sent = NowMillis();
  HttpResponse r = api.PostHold(product, quantity);
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.Describe());
  std::optional<int64_t> expires = ParseRfc3339Millis(r.json["expires_at"].asString());
  BOOST_REQUIRE_MESSAGE(expires.has_value(), r.body);
  // The pool really runs with the short ttl (else every wait below is meaningless).
  BOOST_REQUIRE_MESSAGE(*expires <= NowMillis() + kShortTtlSeconds * 1000 + 1000, r.body);
  BOOST_REQUIRE_MESSAGE(*expires >= sent + kShortTtlSeconds * 1000 - 1000, r.body);
  return {r.json["hold_id"].asInt64(), *expires};
}

// Rows of hold_released after `marker` per hold id, for the given holds.
std::map<int64_t, int64_t> ReleasedRows(DbProbe& db, int64_t marker, const std::set<int64_t>& holds) {
  std::map<int64_t, int64_t> rows;
  for (int64_t h : holds) rows[h] = 0;
  for (const SqlRow& r : db.Query(
           "SELECT CAST(JSON_VALUE(payload, '$.hold_id') AS SIGNED), COUNT(*) FROM metrics_logs "
           "WHERE type = 'hold_released' AND id > ? GROUP BY 1",
           {marker})) {
    int64_t hold = std::stoll(r[0].value_or("0"));
    if (rows.count(hold) != 0) rows[hold] = std::stoll(*r[1]);
  }
  return rows;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(expiry, *boost::unit_test::fixture<ShortHoldTtl>())

BOOST_AUTO_TEST_CASE(expired_units_return_without_the_job) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  int64_t marker = db.LastMetricsId();
  Held first = MustHoldUntil(api, product, 5);
  BOOST_TEST(MustGetProduct(api, product).available == 0);
  HttpResponse refused = api.PostHold(product, 1);
  BOOST_TEST(refused.status == 409, refused.Describe());

  // Not before its time: shortly before expires_at the units are still held.
  SleepUntilMillis(first.expires_ms - 600);
  if (NowMillis() < first.expires_ms - 200) {
    BOOST_TEST(MustGetProduct(api, product).available == 0, "units returned before expires_at");
    HttpResponse early = api.PostHold(product, 1);
    BOOST_TEST(early.status == 409, "a hold got units before expires_at: " << early.Describe());
  }

  SleepUntilMillis(first.expires_ms + 1000);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 5);
  BOOST_TEST(v.available == 5, "units of an expired hold are not available 1 s after expires_at");
  HttpResponse hold = api.GetHold(first.id);
  BOOST_TEST(hold.status == 200, hold.Describe());
  BOOST_TEST(hold.json["status"].asString() == "expired", hold.Describe());
  HttpResponse order = api.PostOrder(first.id);
  BOOST_TEST(order.status == 409, order.Describe());
  BOOST_TEST(order.ErrorCode() == "hold_expired", order.Describe());

  // A new hold gets the units the expired one had.
  HttpResponse again = api.PostHold(product, 5);
  BOOST_TEST(again.status == 201, again.Describe());
  BOOST_TEST(MustGetProduct(api, product).available == 0);
  HttpResponse order_again = api.PostOrder(first.id);
  BOOST_TEST(order_again.ErrorCode() == "hold_expired", order_again.Describe());
  HttpResponse del = api.DeleteHold(first.id);
  BOOST_TEST(del.status == 200, del.Describe());
  BOOST_TEST(del.json["status"].asString() == "expired", del.Describe());
  BOOST_TEST(db.CountMetrics("holds_batch_released", marker) == 0, "the job ran during the test");
  BOOST_TEST(CountOrders(db, product) == 0);
  CheckInvariants(db, "expiry without the job");

  // Whoever released the expired hold (the new hold, the DELETE or the job) logged it once.
  CommandResult job = Stack().RunExpiryJob();
  BOOST_TEST(job.exit_code == 0, job.output);
  BOOST_TEST(CountMetricsFor(db, "hold_released", marker, "hold_id", first.id) == 1);
}

BOOST_AUTO_TEST_CASE(the_job_releases_and_logs) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  std::set<int64_t> holds;
  std::map<int64_t, int64_t> quantity;
  int64_t last_expiry = 0;
  for (int64_t q : {1, 2, 3}) {
    Held h = MustHoldUntil(api, product, q);
    holds.insert(h.id);
    quantity[h.id] = q;
    last_expiry = std::max(last_expiry, h.expires_ms);
  }
  SleepUntilMillis(last_expiry + 1000);
  // Nothing touched the product since: its expired holds are still counted in `reserved`, which
  // is what the job is for (otherwise this test would prove nothing).
  BOOST_TEST_REQUIRE(ReadDbProduct(db, product).reserved == 6,
                     "the expired holds were released before the job ran");

  int64_t other_product = MustCreateProduct(api, 10);
  Held alive = MustHoldUntil(api, other_product, 4);
  int64_t marker = db.LastMetricsId();
  CommandResult job = Stack().RunExpiryJob();
  bool alive_still_unexpired = NowMillis() < alive.expires_ms;
  BOOST_TEST(job.exit_code == 0, job.output);

  for (int64_t h : holds) {
    BOOST_TEST_CONTEXT("hold " << h) {
      BOOST_TEST(HoldStatus(db, h) == "expired");
      std::vector<SqlRow> rows = db.Query(
          "SELECT CAST(JSON_VALUE(payload, '$.product_id') AS SIGNED), "
          "CAST(JSON_VALUE(payload, '$.quantity') AS SIGNED), JSON_VALUE(payload, '$.reason') "
          "FROM metrics_logs WHERE type = 'hold_released' AND id > ? "
          "AND CAST(JSON_VALUE(payload, '$.hold_id') AS SIGNED) = ?",
          {marker, h});
      BOOST_TEST_REQUIRE(rows.size() == 1u);
      BOOST_TEST(rows[0][0].value_or("") == std::to_string(product));
      BOOST_TEST(rows[0][1].value_or("") == std::to_string(quantity[h]));
      BOOST_TEST(rows[0][2].value_or("") == "expired");
      HttpResponse got = api.GetHold(h);
      BOOST_TEST(got.json["status"].asString() == "expired", got.Describe());
      HttpResponse order = api.PostOrder(h);
      BOOST_TEST(order.status == 409, order.Describe());
      BOOST_TEST(order.ErrorCode() == "hold_expired", order.Describe());
      HttpResponse del = api.DeleteHold(h);
      BOOST_TEST(del.status == 200, del.Describe());
      BOOST_TEST(del.json["status"].asString() == "expired", del.Describe());
    }
  }
  BOOST_TEST(db.CountMetrics("holds_batch_released", marker) >= 1);
  BOOST_TEST(db.Int("SELECT COALESCE(SUM(CAST(JSON_VALUE(payload, '$.released') AS SIGNED)), 0) "
                    "FROM metrics_logs WHERE type = 'holds_batch_released' AND id > ?",
                    {marker}) == db.CountMetrics("hold_released", marker),
             "holds_batch_released does not count the holds the run released");
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 10);
  if (alive_still_unexpired) {
    BOOST_TEST(HoldStatus(db, alive.id) == "active", "the job released a hold before its expiry");
  } else {
    BOOST_TEST_MESSAGE("the job took longer than the short ttl; not checking the live hold");
  }

  // The rows are in the API's log too.
  HttpResponse logs = api.GetLogs("type=hold_released&after_id=" + std::to_string(marker));
  BOOST_TEST_REQUIRE(logs.status == 200, logs.Describe());
  std::set<int64_t> logged;
  for (const Json::Value& row : logs.json["data"]) logged.insert(row["payload"]["hold_id"].asInt64());
  for (int64_t h : holds) BOOST_TEST(logged.count(h) == 1u, "hold " << h << " not in /api/logs");

  // A second run finds nothing left to do.
  int64_t marker2 = db.LastMetricsId();
  CommandResult second = Stack().RunExpiryJob();
  BOOST_TEST(second.exit_code == 0, second.output);
  for (const auto& [hold, rows] : ReleasedRows(db, marker2, holds)) {
    BOOST_TEST(rows == 0, "hold " << hold << " released again by a second run");
  }
  CheckInvariants(db, "expiry job");
}

BOOST_AUTO_TEST_CASE(two_jobs_at_once_never_release_a_hold_twice) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  const int kHolds = 60;
  int64_t product = MustCreateProduct(api, kHolds);
  std::vector<HttpResponse> answers =
      RunConcurrently(kHolds, [&](int) { return api.PostHold(product, 1); });
  std::set<int64_t> holds;
  int64_t last_expiry = 0;
  for (const HttpResponse& r : answers) {
    BOOST_TEST_REQUIRE(r.status == 201, r.Describe());
    holds.insert(r.json["hold_id"].asInt64());
    last_expiry = std::max(last_expiry, ParseRfc3339Millis(r.json["expires_at"].asString()).value_or(0));
  }
  SleepUntilMillis(last_expiry + 1000);
  int64_t marker = db.LastMetricsId();

  // Small batches make each run long enough for the two to overlap.
  EnvOverrides small_batches = {{"FLASHSALE_EXPIRY_BATCH_SIZE", "5"}};
  const std::vector<std::string> job = {"build/bin/flashsale-release-expired", "--config",
                                        "conf/flashsale.conf"};
  pid_t a = Stack().StartCommand(job, small_batches);
  pid_t b = Stack().StartCommand(job, small_batches);
  CommandResult ra = Stack().Wait(a);
  CommandResult rb = Stack().Wait(b);
  BOOST_TEST(ra.exit_code == 0, ra.output);
  BOOST_TEST(rb.exit_code == 0, rb.output);

  std::map<int64_t, int64_t> released = ReleasedRows(db, marker, holds);
  for (const auto& [hold, rows] : released) {
    BOOST_TEST(rows == 1, "hold " << hold << " has " << rows << " hold_released rows");
  }
  BOOST_TEST(CountHolds(db, product, "expired") == kHolds);
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  BOOST_TEST(db.Int("SELECT COALESCE(SUM(CAST(JSON_VALUE(payload, '$.released') AS SIGNED)), 0) "
                    "FROM metrics_logs WHERE type = 'holds_batch_released' AND id > ?",
                    {marker}) == db.CountMetrics("hold_released", marker));
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.available == kHolds);
  CheckInvariants(db, "two expiry jobs at once");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
