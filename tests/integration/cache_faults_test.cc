// The cache when a process stops or dies at the worst instruction (the API reference guarantees 4 and 7),
// made to happen on purpose with the pool's fault points (app/util/fault_point.h):
//   - a writer killed between its COMMIT and its cache invalidation: the retry of the same
//     request (webhook key, Idempotency-Key) repairs the cache, and without any retry the stale
//     entry is gone within ProductCache::kMaxEntryAgeMs;
//   - a reader stopped between its database read and its cache fill while a write and a
//     FLUSHALL happen: its fill must not store the pre-write snapshot.
#include <signal.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <future>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/redis_probe.h"
#include "../support/test_stack.h"
#include "store/product_cache.h"

namespace flashsale::itest {
namespace {

std::string FaultDir() { return Stack().var_dir() + "/run/faults"; }

struct WithFaultPoints {
  WithFaultPoints() {
    ::mkdir(FaultDir().c_str(), 0700);
    Stack().RestartPool({{"FLASHSALE_FAULT_DIR", FaultDir()}});
  }
  ~WithFaultPoints() {
    try {
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("pool restart failed: " << e.what());
    }
  }
};

void Arm(const std::string& point) { std::ofstream(FaultDir() + "/" + point) << ""; }

char ProcessState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

// The worker that stopped at an armed fault point, waited for up to 5 s; 0 if none did.
pid_t WaitForStoppedWorker() {
  pid_t stopped = 0;
  Eventually(5000, [&] {
    for (pid_t pid : Stack().PoolWorkerPids()) {
      if (ProcessState(pid) == 'T') stopped = pid;
    }
    return stopped != 0;
  });
  return stopped;
}

// Kills the worker stopped at `point` while `request` runs; returns what the client got.
HttpResponse KillWriterAfterCommit(const std::function<HttpResponse()>& request) {
  Arm("db.before_invalidate");
  auto inflight = std::async(std::launch::async, request);
  pid_t worker = WaitForStoppedWorker();
  BOOST_REQUIRE_MESSAGE(worker != 0, "no worker stopped after its COMMIT");
  ::kill(worker, SIGKILL);
  return inflight.get();
}

int64_t DbAvailable(DbProbe& db, int64_t product) {
  DbProduct row = ReadDbProduct(db, product);
  return row.stock - row.reserved;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cache_faults, *boost::unit_test::fixture<WithFaultPoints>())

BOOST_AUTO_TEST_CASE(a_webhook_replayed_after_its_writer_died_repairs_the_cache) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  // A stale entry can expire on its own (kMaxEntryAgeMs) before the replay; then the run proves
  // nothing and is repeated.
  bool saw_stale = false;
  for (int run = 0; run < 3 && !saw_stale; ++run) {
    int64_t product = MustCreateProduct(api, 2);
    int64_t order = MustOrder(api, MustHold(api, product, 2));
    BOOST_TEST_REQUIRE(MustGetProduct(api, product).available == 0);  // cached: 0 available
    std::string key = UniqueName("dead-writer");

    HttpResponse lost = KillWriterAfterCommit([&] { return api.Webhook(key, order, "failed"); });
    BOOST_TEST(lost.status == 502, lost.Describe());
    BOOST_TEST(OrderStatus(db, order) == "cancelled");
    BOOST_TEST(DbAvailable(db, product) == 2);
    saw_stale = MustGetProduct(api, product).available == 0;

    HttpResponse replay = api.Webhook(key, order, "failed");
    BOOST_TEST(replay.status == 200, replay.Describe());
    BOOST_TEST(replay.json["duplicate"].asBool());
    BOOST_TEST(replay.json["status"].asString() == "cancelled");
    BOOST_TEST(MustGetProduct(api, product).available == 2, "after the replay");
  }
  BOOST_TEST(saw_stale, "the dead writer's stale entry was never observed");
  CheckInvariants(db, "after killed webhook writers");
}

BOOST_AUTO_TEST_CASE(a_keyed_hold_replayed_after_its_writer_died_repairs_the_cache) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  bool saw_stale = false;
  for (int run = 0; run < 3 && !saw_stale; ++run) {
    int64_t product = MustCreateProduct(api, 5);
    BOOST_TEST_REQUIRE(MustGetProduct(api, product).available == 5);
    Headers key = {{"Idempotency-Key", UniqueName("dead-hold")}};

    HttpResponse lost = KillWriterAfterCommit([&] { return api.PostHold(product, 2, key); });
    BOOST_TEST(lost.status == 502, lost.Describe());
    BOOST_TEST(DbAvailable(db, product) == 3);
    saw_stale = MustGetProduct(api, product).available == 5;

    HttpResponse replay = api.PostHold(product, 2, key);
    BOOST_TEST(replay.status == 201, replay.Describe());
    BOOST_TEST(CountHolds(db, product) == 1);
    BOOST_TEST(MustGetProduct(api, product).available == 3, "after the replay");
  }
  BOOST_TEST(saw_stale, "the dead writer's stale entry was never observed");
  CheckInvariants(db, "after killed hold writers");
}

BOOST_AUTO_TEST_CASE(a_dead_writers_stale_entry_is_gone_within_the_bound) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 2);
  int64_t order = MustOrder(api, MustHold(api, product, 2));
  BOOST_TEST_REQUIRE(MustGetProduct(api, product).available == 0);
  HttpResponse lost =
      KillWriterAfterCommit([&] { return api.Webhook(UniqueName("no-retry"), order, "failed"); });
  BOOST_TEST(lost.status == 502, lost.Describe());
  int64_t killed_at = NowMillis();
  // Nobody retries. The entry the writer failed to delete must die on its own.
  bool fresh = Eventually(store::ProductCache::kMaxEntryAgeMs + 1500,
                          [&] { return MustGetProduct(api, product).available == 2; });
  BOOST_TEST(fresh, "still stale " << NowMillis() - killed_at << " ms after the writer died");
}

BOOST_AUTO_TEST_CASE(a_reader_stopped_across_a_write_and_a_flush_stores_nothing_stale) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  RedisProbe redis(Stack().redis_socket());
  for (const char* event : {"FLUSHALL", "restart"}) {
    BOOST_TEST_CONTEXT("a write, then " << event << ", while a reader is stopped") {
      int64_t product = MustCreateProduct(api, 5);  // new: no cache entry yet
      Arm("cache.before_fill");
      auto reader = std::async(std::launch::async, [&] { return api.GetProduct(product); });
      pid_t worker = WaitForStoppedWorker();
      BOOST_REQUIRE_MESSAGE(worker != 0, "no reader stopped before its cache fill");

      BOOST_TEST(MustHold(api, product, 2) > 0);  // another worker; the cache learns of it
      if (std::string(event) == "FLUSHALL") {
        redis.FlushAll();
      } else {
        Stack().StopRedis();
        Stack().StartRedis();
      }
      ::kill(worker, SIGCONT);
      HttpResponse read = reader.get();
      BOOST_TEST(read.status == 200, read.Describe());

      RedisProbe after(Stack().redis_socket());
      std::string entry = after.Command({"GET", "flashsale:product:" + std::to_string(product)});
      BOOST_TEST(entry.find("|5|5|") == std::string::npos, "pre-write snapshot stored: " << entry);
      ProductView v = MustGetProduct(api, product);
      BOOST_TEST(v.available == 3);
      BOOST_TEST(DbAvailable(db, product) == 3);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
