// GET /status and GET /metrics (README, Operations): what they show, that the counters move by
// exactly what the test sent (suites run one after another, so nothing else talks to the stack),
// and that only nginx's operations locations, from allowed addresses, reach them.
// metrics_scrape_test.cc checks the format with promtool and a real Prometheus.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <set>
#include <thread>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/metrics_text.h"
#include "../support/raw_http.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

Json::Value MustStatus(const Api& api, const std::string& query = "") {
  HttpResponse r = api.http().Get("/status" + query);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.Describe());
  BOOST_REQUIRE_MESSAGE(r.Header("content-type").rfind("application/json", 0) == 0, r.Describe());
  BOOST_REQUIRE_MESSAGE(r.json_ok && r.json.isObject(), r.Describe());
  return r.json;
}

// For polling: the status, or null when the pool did not answer 200 (a worker just killed may
// still take a request before it dies: nginx answers 502 then).
Json::Value TryStatus(const Api& api, const std::string& query = "") {
  HttpResponse r = api.http().Get("/status" + query);
  return r.status == 200 && r.json_ok && r.json.isObject() ? r.json : Json::Value();
}

// Waits until every worker slot holds a worker that is idle or busy (one killed by an earlier
// suite may still be coming back).
bool AllWorkersUp(const Api& api) {
  return Eventually(10000, [&] {
    Json::Value s = TryStatus(api);
    return s["idle_workers"].asInt() + s["active_workers"].asInt() == kWorkers;
  });
}

// Starts the database again at scope exit if the test stopped it (even after a failed REQUIRE).
struct DbBack {
  bool stopped = false;
  ~DbBack() {
    if (!stopped) return;
    try {
      Stack().StartDb();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not start MariaDB again: " << e.what());
    }
  }
};

// Puts the pool's default configuration back at scope exit.
struct PoolBack {
  ~PoolBack() {
    try {
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restart the pool with its defaults: " << e.what());
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(status_reports_the_pool) {
  Api api;
  BOOST_TEST_REQUIRE(AllWorkersUp(api));
  Json::Value s = MustStatus(api);
  for (const char* field :
       {"pool", "master_pid", "start_time", "start_since", "accepted_requests", "listen_queue",
        "max_listen_queue", "listen_queue_len", "idle_workers", "active_workers",
        "total_workers", "max_workers", "max_active_workers", "max_children_reached",
        "slow_requests", "worker_respawns"}) {
    BOOST_TEST(s.isMember(field), "missing " << field << " in " << s.toStyledString());
  }
  BOOST_TEST(!s.isMember("workers"));
  BOOST_TEST(s["pool"].asString() == "flashsale");
  BOOST_TEST(s["master_pid"].asInt() == Stack().PoolMasterPid());
  BOOST_TEST(ParseRfc3339Millis(s["start_time"].asString()).has_value(), s["start_time"].asString());
  BOOST_TEST(s["total_workers"].asInt() == kWorkers);
  BOOST_TEST(s["max_workers"].asInt() == kWorkers);
  // This request is served by a busy worker; the others wait in accept().
  BOOST_TEST(s["active_workers"].asInt() >= 1);
  BOOST_TEST(s["idle_workers"].asInt() + s["active_workers"].asInt() == kWorkers);
  BOOST_TEST(s["max_active_workers"].asInt() >= 1);
  // The stack's pool listens on a unix socket: the queue comes from sock_diag.
  BOOST_TEST(s["listen_queue"].isUInt64(), s.toStyledString());
  BOOST_TEST(s["listen_queue_len"].asInt() == 4096);  // conf/flashsale.conf's fcgi_backlog
  BOOST_TEST(s["max_listen_queue"].asInt() >= s["listen_queue"].asInt());

  // accepted_requests counts every request the workers took: the N sent, then this one.
  const int kSent = 7;
  uint64_t before = MustStatus(api)["accepted_requests"].asUInt64();
  for (int i = 0; i < kSent; ++i) BOOST_TEST_REQUIRE(api.http().Get("/api/health").status == 200);
  uint64_t after = MustStatus(api)["accepted_requests"].asUInt64();
  BOOST_TEST(after - before == static_cast<uint64_t>(kSent + 1));
}

BOOST_AUTO_TEST_CASE(status_full_shows_each_worker_and_a_request_stuck_on_a_lock) {
  Api api;
  BOOST_TEST_REQUIRE(AllWorkersUp(api));
  int64_t product = MustCreateProduct(api, 10);
  MetricsText before = MustScrape(api.http());

  // A hold that waits for the product row's lock, held by the test, until its transaction runs
  // into the lock wait timeout and is retried (whatever the pool's timeout is).
  DbProbe blocker(Stack().mysql_socket());
  blocker.Exec("START TRANSACTION");
  BOOST_TEST_REQUIRE(
      blocker.Query("SELECT id FROM products WHERE id = ? FOR UPDATE", {product}).size() == 1u);
  HttpResponse held;
  std::thread client([&] { held = api.PostHold(product, 1); });

  Json::Value stuck;
  bool seen = Eventually(10000, [&] {
    Json::Value s = MustStatus(api, "?full");
    for (const Json::Value& w : s["workers"]) {
      if (w["state"].asString() == "busy" && w["request_route"].asString() == "/api/holds" &&
          w["request_duration_us"].asUInt64() >= 500000) {
        stuck = w;
        return true;
      }
    }
    return false;
  });
  bool retried = Eventually(25000, [&] {
    MetricsText m = MustScrape(api.http());
    return m.Value("flashsale_db_retries_total", {{"cause", "lock_wait_timeout"}}) >
           before.Value("flashsale_db_retries_total", {{"cause", "lock_wait_timeout"}});
  });
  blocker.Exec("COMMIT");
  client.join();
  BOOST_TEST_REQUIRE(seen, "no busy worker showed POST /api/holds");
  BOOST_TEST(stuck["request_method"].asString() == "POST");
  BOOST_TEST(stuck["request_duration_us"].asUInt64() >= 500000u);
  BOOST_TEST(retried, "the hold's lock wait timeout was not counted as a retry");
  BOOST_TEST(held.status == 201, held.Describe());

  Json::Value s = MustStatus(api, "?full");
  BOOST_TEST_REQUIRE(s["workers"].isArray());
  BOOST_TEST(s["workers"].size() == static_cast<unsigned>(kWorkers));
  std::vector<pid_t> pids = Stack().PoolWorkerPids();
  std::set<pid_t> live(pids.begin(), pids.end());
  int busy_with_status = 0;
  for (const Json::Value& w : s["workers"]) {
    BOOST_TEST_CONTEXT(w.toStyledString()) {
      for (const char* field : {"slot", "pid", "state", "start_since", "requests", "request_method",
                                "request_route", "request_duration_us"}) {
        BOOST_TEST(w.isMember(field), "missing " << field);
      }
      BOOST_TEST(live.count(static_cast<pid_t>(w["pid"].asInt())) == 1u);
      std::string state = w["state"].asString();
      BOOST_TEST((state == "idle" || state == "busy"));
      if (state == "busy" && w["request_route"].asString() == "/status") ++busy_with_status;
    }
  }
  BOOST_TEST(busy_with_status == 1, "the worker answering should show GET /status");
  MetricsText after = MustScrape(api.http());
  BOOST_TEST(after.Value("flashsale_holds_total", {{"outcome", "granted"}, {"answered_by", "database"}}) -
                 before.Value("flashsale_holds_total", {{"outcome", "granted"}, {"answered_by", "database"}}) ==
             1);
}

BOOST_AUTO_TEST_CASE(counters_move_by_exactly_the_traffic_sent) {
  Api api;
  const int kHolds = 5;
  const int kRefused = 3 * kWorkers;
  int64_t scarce = MustCreateProduct(api, kHolds);
  int64_t plenty = MustCreateProduct(api, 100);
  std::string key = UniqueName("metrics-key");
  MetricsText m0 = MustScrape(api.http());

  for (int i = 0; i < kHolds; ++i) MustHold(api, scarce, 1);
  // Sold out: the first refusal comes from the database and fills the cache; the workers that
  // did not just take units from the database ask the cache first, and it answers.
  for (int i = 0; i < kRefused; ++i) {
    HttpResponse r = api.PostHold(scarce, 1);
    BOOST_TEST_REQUIRE(r.status == 409, r.Describe());
  }
  // A keyed hold and its replay: one hold decided, two answers.
  BOOST_TEST_REQUIRE(api.PostHold(plenty, 1, Key(key)).status == 201);
  BOOST_TEST_REQUIRE(api.PostHold(plenty, 1, Key(key)).status == 201);
  int64_t hold = MustHold(api, plenty, 2);
  int64_t order = MustOrder(api, hold);
  BOOST_TEST_REQUIRE(api.PostOrder(hold).status == 409);  // hold_already_used
  std::string webhook = UniqueName("metrics-webhook");
  BOOST_TEST_REQUIRE(api.Webhook(webhook, order, "success").status == 200);
  BOOST_TEST_REQUIRE(api.Webhook(webhook, order, "success").status == 200);  // duplicate
  MetricsText m1 = MustScrape(api.http());

  auto delta = [&](const std::string& name, const PromLabels& labels) {
    return m1.Value(name, labels) - m0.Value(name, labels);
  };
  auto sum_delta = [&](const std::string& name, const PromLabels& labels) {
    return m1.Sum(name, labels) - m0.Sum(name, labels);
  };
  const int kGranted = kHolds + 1 + 1;  // the scarce ones, the keyed one, the one ordered
  BOOST_TEST(delta("flashsale_holds_total", {{"outcome", "granted"}, {"answered_by", "database"}}) == kGranted);
  BOOST_TEST(sum_delta("flashsale_holds_total", {{"outcome", "insufficient_stock"}}) == kRefused);
  BOOST_TEST(delta("flashsale_holds_total", {{"outcome", "insufficient_stock"}, {"answered_by", "cache"}}) >= 1);
  BOOST_TEST(sum_delta("flashsale_cache_lookups_total", {{"result", "hit"}}) >=
             delta("flashsale_holds_total", {{"outcome", "insufficient_stock"}, {"answered_by", "cache"}}));
  BOOST_TEST(sum_delta("flashsale_cache_invalidations_total", {{"result", "ok"}}) >= kGranted);
  BOOST_TEST(delta("flashsale_orders_total", {{"outcome", "created"}}) == 1);
  BOOST_TEST(delta("flashsale_orders_total", {{"outcome", "hold_already_used"}}) == 1);
  BOOST_TEST(delta("flashsale_webhooks_total", {{"outcome", "applied"}, {"payment", "success"}}) == 1);
  BOOST_TEST(delta("flashsale_webhooks_total", {{"outcome", "duplicate"}, {"payment", "success"}}) == 1);

  const int kHoldRequests = kHolds + kRefused + 2 + 1;
  const PromLabels holds201 = {{"method", "POST"}, {"route", "/api/holds"}, {"status", "201"}};
  const PromLabels holds409 = {{"method", "POST"}, {"route", "/api/holds"}, {"status", "409"}};
  BOOST_TEST(delta("flashsale_http_requests_total", holds201) == kHolds + 2 + 1);
  BOOST_TEST(delta("flashsale_http_requests_total", holds409) == kRefused);
  const PromLabels route = {{"method", "POST"}, {"route", "/api/holds"}};
  BOOST_TEST(delta("flashsale_http_request_duration_seconds_count", route) == kHoldRequests);
  PromLabels inf = route;
  inf.emplace_back("le", "+Inf");
  BOOST_TEST(m1.Value("flashsale_http_request_duration_seconds_bucket", inf) ==
             m1.Value("flashsale_http_request_duration_seconds_count", route));
  BOOST_TEST(delta("flashsale_http_request_duration_seconds_sum", route) > 0);
  BOOST_TEST(delta("flashsale_http_requests_total",
                   {{"method", "POST"}, {"route", "/api/orders"}, {"status", "201"}}) == 1);
  BOOST_TEST(delta("flashsale_http_requests_total",
                   {{"method", "GET"}, {"route", "/metrics"}, {"status", "200"}}) == 1);
  BOOST_TEST(delta("flashsale_pool_accepted_requests_total", {}) >= kHoldRequests + 5);
  BOOST_TEST(m1.Value("flashsale_mariadb_up") == 1);
  BOOST_TEST(m1.Value("flashsale_redis_up") == 1);
  BOOST_TEST(m1.Value("flashsale_workers_max") == kWorkers);
  BOOST_TEST(m1.Sum("flashsale_workers") == kWorkers);
  BOOST_TEST(m1.Value("flashsale_workers", {{"state", "busy"}}) >= 1);
  BOOST_TEST(m1.Value("flashsale_metrics_dropped_total") == 0);
}

BOOST_AUTO_TEST_CASE(expiry_job_runs_are_read_from_its_log_rows) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  // Whatever earlier suites left expired is released first, so the run below has only ours.
  CommandResult first = Stack().RunExpiryJob();
  BOOST_TEST_REQUIRE(first.exit_code == 0, first.output);
  MetricsText m0 = MustScrape(api.http());
  {
    // Two holds that expire at once: a pool with a 1 s hold TTL, then the default again.
    PoolBack back;
    Stack().RestartPool({{"FLASHSALE_HOLD_TTL_SECONDS", "1"}});
    MustHold(api, product, 1);
    MustHold(api, product, 2);
  }
  SleepMillis(1200);
  CommandResult run = Stack().RunExpiryJob();
  BOOST_TEST_REQUIRE(run.exit_code == 0, run.output);
  MetricsText m1 = MustScrape(api.http());
  BOOST_TEST(m1.Value("flashsale_expiry_runs_total") - m0.Value("flashsale_expiry_runs_total") == 1);
  BOOST_TEST(m1.Value("flashsale_expiry_batches_total") - m0.Value("flashsale_expiry_batches_total") >= 1);
  // Holds of other suites may have expired meanwhile; the figures are those of the job's rows.
  BOOST_TEST(m1.Value("flashsale_expiry_released_holds_total") -
                 m0.Value("flashsale_expiry_released_holds_total") >= 2);
  const char* kRows = " FROM metrics_logs WHERE type = 'holds_batch_released'";
  BOOST_TEST(m1.Value("flashsale_expiry_batches_total") == db.Int(std::string("SELECT COUNT(*)") + kRows));
  BOOST_TEST(m1.Value("flashsale_expiry_released_holds_total") ==
             db.Int(std::string("SELECT SUM(JSON_VALUE(payload, '$.released'))") + kRows));
  BOOST_TEST(m1.Value("flashsale_expiry_runs_total") ==
             db.Int(std::string("SELECT COUNT(DISTINCT JSON_VALUE(payload, '$.run_id'))") + kRows));
}

BOOST_AUTO_TEST_CASE(a_killed_worker_is_a_respawn) {
  Api api;
  BOOST_TEST_REQUIRE(AllWorkersUp(api));
  uint64_t respawns = MustStatus(api)["worker_respawns"].asUInt64();
  std::vector<pid_t> workers = Stack().PoolWorkerPids();
  BOOST_TEST_REQUIRE(!workers.empty());
  BOOST_TEST_REQUIRE(::kill(workers[0], SIGKILL) == 0);
  BOOST_TEST(Eventually(10000, [&] {
    Json::Value s = TryStatus(api, "?full");
    if (s.isNull()) return false;
    bool gone = true;
    for (const Json::Value& w : s["workers"]) gone = gone && w["pid"].asInt() != workers[0];
    return gone && s["total_workers"].asInt() == kWorkers &&
           s["worker_respawns"].asUInt64() == respawns + 1;
  }));
}

BOOST_AUTO_TEST_CASE(mariadb_down_shows_in_the_metrics) {
  Api api;
  int64_t product = MustCreateProduct(api, 10);
  MetricsText m0 = MustScrape(api.http());
  BOOST_TEST_REQUIRE(m0.Has("flashsale_expiry_runs_total"));
  DbBack back;
  back.stopped = true;
  Stack().StopDb();
  HttpResponse r = api.PostHold(product, 1);
  BOOST_TEST(r.status == 503, r.Describe());
  MetricsText m1 = MustScrape(api.http());
  BOOST_TEST(m1.Value("flashsale_mariadb_up") == 0);
  BOOST_TEST(m1.Value("flashsale_redis_up") == 1);
  BOOST_TEST(!m1.Has("flashsale_expiry_runs_total"));  // unknown, not zero
  BOOST_TEST(m1.Value("flashsale_db_unavailable_total", {{"cause", "cannot_connect"}}) -
                 m0.Value("flashsale_db_unavailable_total", {{"cause", "cannot_connect"}}) ==
             1);
  BOOST_TEST(m1.Sum("flashsale_db_retries_total") > m0.Sum("flashsale_db_retries_total"));
  BOOST_TEST(m1.Value("flashsale_http_requests_total",
                      {{"method", "POST"}, {"route", "/api/holds"}, {"status", "503"}}) -
                 m0.Value("flashsale_http_requests_total",
                          {{"method", "POST"}, {"route", "/api/holds"}, {"status", "503"}}) ==
             1);
  Stack().StartDb();
  back.stopped = false;
  BOOST_TEST(Eventually(20000, [&] { return MustScrape(api.http()).Value("flashsale_mariadb_up") == 1; }));
}

BOOST_AUTO_TEST_CASE(nginx_serves_operations_to_allowed_addresses_only) {
  int port = Stack().port();
  for (const char* path : {"/status", "/metrics"}) {
    BOOST_TEST_CONTEXT(path) {
      RawResponse ok = RawRequest(port, RawRequestText("GET", path), 10000, "127.0.0.1");
      BOOST_TEST(ok.status == 200, ok.Describe());
      // 127.0.0.2 is a loopback address too, but not one the locations allow.
      RawResponse denied = RawRequest(port, RawRequestText("GET", path), 10000, "127.0.0.2");
      BOOST_TEST(denied.status == 403, denied.Describe());
      BOOST_TEST(denied.Header("content-type").rfind("application/json", 0) == 0u);
      BOOST_TEST(denied.ErrorCode() == "forbidden", denied.Describe());
    }
  }
}

BOOST_AUTO_TEST_CASE(the_pool_serves_operations_only_through_their_locations) {
  Api api;
  // The public API's paths never reach the operations endpoints, whatever the client sends.
  for (const char* path : {"/api/status", "/api/metrics", "/api/status?full"}) {
    HttpResponse r = api.http().Get(path, {{"Flashsale-Ops", "1"}});
    BOOST_TEST(r.status == 404, r.Describe());
    BOOST_TEST(r.ErrorCode() == "not_found");
  }
  // Not /status itself: nginx's catch-all.
  for (const char* path : {"/status/", "/statusx", "/metrics/x"}) {
    HttpResponse r = api.http().Get(path);
    BOOST_TEST(r.status == 404, r.Describe());
  }
  HttpResponse post = api.http().Request("POST", "/status", std::string("{}"));
  BOOST_TEST(post.status == 405, post.Describe());
  BOOST_TEST(post.Header("allow") == "GET, HEAD");
  // TRACE, which nginx refuses itself, gets the same Allow (conf/nginx/flashsale-api.conf, 405).
  RawResponse trace = RawRequest(Stack().port(), RawRequestText("TRACE", "/metrics"));
  BOOST_TEST(trace.status == 405, trace.Describe());
  BOOST_TEST(trace.Header("allow") == "GET, HEAD");
  HttpResponse head = api.http().Request("HEAD", "/metrics");
  BOOST_TEST(head.status == 200, head.Describe());
  BOOST_TEST(head.body.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
