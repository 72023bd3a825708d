// The process manager (app/process/pm.h) with php-fpm's settings: dynamic grows under load and
// shrinks after it, ondemand starts with no worker and forks for the first request, and
// pm_max_requests recycles workers; no request is lost to any of it.
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/pool_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

size_t WorkerCount() { return Stack().PoolWorkerPids().size(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_pm)

BOOST_AUTO_TEST_CASE(dynamic_grows_under_load_and_shrinks_after) {
  ScopedPool pool({{"FLASHSALE_PM", "dynamic"},
                   {"FLASHSALE_WORKERS", "6"},
                   {"FLASHSALE_PM_START_SERVERS", "1"},
                   {"FLASHSALE_PM_MIN_SPARE_SERVERS", "1"},
                   {"FLASHSALE_PM_MAX_SPARE_SERVERS", "2"}});
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1000000);
  // At rest: between min_spare (1) and max_spare (2) idle workers.
  BOOST_TEST(Eventually(5000, [] { return WorkerCount() >= 1 && WorkerCount() <= 2; }),
             "workers at rest: " << WorkerCount());

  size_t most = 0;
  {
    Traffic traffic(api, product, 10);
    for (int i = 0; i < 60 && most < 6; ++i) {  // up to 6 s
      SleepMillis(100);
      most = std::max(most, WorkerCount());
    }
    traffic.Stop();
    BOOST_TEST(traffic.unexpected_count() == 0, "answers other than 200/201 JSON while it grew");
    for (const std::string& u : traffic.unexpected()) BOOST_TEST_MESSAGE("  " << u);
  }
  BOOST_TEST_MESSAGE("dynamic: " << most << " workers under load");
  BOOST_TEST(most >= 4u, "the pool did not grow under load: at most " << most << " workers");
  BOOST_TEST(most <= 6u, "more workers than max_children: " << most);
  // Idle again: one worker retired per second down to max_spare (2).
  BOOST_TEST(Eventually(15000, [] { return WorkerCount() == 2; }), "workers after the load: " << WorkerCount());
  SleepMillis(1500);
  BOOST_TEST(WorkerCount() == 2u, "the pool kept shrinking below max_spare");
  BOOST_TEST(api.GetProduct(product).status == 200);
  CheckInvariants(db, "pm dynamic");
}

BOOST_AUTO_TEST_CASE(ondemand_starts_with_no_worker_and_forks_for_a_request) {
  ScopedPool pool({{"FLASHSALE_PM", "ondemand"},
                   {"FLASHSALE_WORKERS", "4"},
                   {"FLASHSALE_PM_PROCESS_IDLE_TIMEOUT", "2"}});
  Api api;
  pid_t master = Stack().PoolMasterPid();
  BOOST_TEST_REQUIRE(master > 0);
  // The restart's health check forked one; it leaves after 2 s without a request.
  BOOST_TEST(Eventually(10000, [] { return WorkerCount() == 0; }), "idle workers did not exit: " << WorkerCount());
  SleepMillis(500);
  BOOST_TEST(WorkerCount() == 0u, "ondemand forked without a request");

  HttpResponse r = api.http().Get("/api/health");
  BOOST_TEST(r.status == 200, r.Describe());
  BOOST_TEST(WorkerCount() >= 1u, "no worker after a request");
  BOOST_TEST(Eventually(10000, [] { return WorkerCount() == 0; }), "the worker did not exit when idle");

  // Under load it forks more, never past max_children, and every request is answered.
  int64_t product = MustCreateProduct(api, 1000000);
  size_t most = 0;
  {
    Traffic traffic(api, product, 8);
    for (int i = 0; i < 30; ++i) {
      SleepMillis(100);
      most = std::max(most, WorkerCount());
    }
    traffic.Stop();
    BOOST_TEST(traffic.unexpected_count() == 0, "answers other than 200/201 JSON");
    for (const std::string& u : traffic.unexpected()) BOOST_TEST_MESSAGE("  " << u);
    BOOST_TEST(traffic.total() > 50);
  }
  BOOST_TEST_MESSAGE("ondemand: " << most << " workers under load");
  BOOST_TEST(most >= 2u);
  BOOST_TEST(most <= 4u, "more workers than max_children: " << most);
  BOOST_TEST(Eventually(10000, [] { return WorkerCount() == 0; }), "idle workers did not exit after the load");
  BOOST_TEST(Stack().PoolMasterPid() == master);
}

BOOST_AUTO_TEST_CASE(max_requests_recycles_workers) {
  ScopedPool pool({{"FLASHSALE_WORKERS", "2"}, {"FLASHSALE_PM_MAX_REQUESTS", "5"}});
  Api api;
  std::vector<pid_t> first = Stack().PoolWorkerPids();
  BOOST_TEST_REQUIRE(first.size() == 2u);
  size_t offset = PoolLogSize();
  for (int i = 0; i < 40; ++i) {
    HttpResponse r = api.http().Get("/api/health");
    BOOST_TEST(r.status == 200, r.Describe());
  }
  BOOST_TEST(Eventually(5000, [] { return WorkerCount() == 2; }));
  std::vector<pid_t> now = Stack().PoolWorkerPids();
  for (pid_t p : first) {
    BOOST_TEST((std::find(now.begin(), now.end(), p) == now.end()), "worker " << p << " served 20 requests");
  }
  // A planned exit is no crash: replaced at once, no warning, no back-off.
  std::string log = PoolLogSince(offset);
  BOOST_TEST(log.find("respawning") == std::string::npos, log);
  BOOST_TEST(log.find("WARN") == std::string::npos, log);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
