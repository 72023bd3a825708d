// Read-your-writes through the Redis cache (the API reference "Guarantees" 4): after every kind of write,
// after a FLUSHALL, after Redis was stopped while writes happened, and after Redis stalled
// (its old entries survive the stall), GET /api/products/{id} shows every completed write.
//
// Every check reads twice (the second read is the one a warm cache answers) and compares with
// the database as well as with the expected numbers.
#include <signal.h>

#include <boost/test/unit_test.hpp>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/redis_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

// GET twice; both answers must be (stock, available), and match MariaDB's counters.
void ExpectProduct(const Api& api, DbProbe& db, int64_t product, int64_t stock, int64_t available,
                   const std::string& after) {
  BOOST_TEST_CONTEXT("after " << after) {
    for (int read = 0; read < 2; ++read) {
      ProductView v = MustGetProduct(api, product);
      BOOST_TEST(v.stock == stock, "read " << read);
      BOOST_TEST(v.available == available, "read " << read);
    }
    DbProduct row = ReadDbProduct(db, product);
    BOOST_TEST(row.stock == stock);
    BOOST_TEST(row.stock - row.reserved == available);
  }
}

// Sends SIGCONT to Redis at scope exit if the test stopped it with SIGSTOP.
class ResumeRedisOnExit {
 public:
  explicit ResumeRedisOnExit(pid_t pid) : pid_(pid) {}
  ~ResumeRedisOnExit() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
  }

 private:
  pid_t pid_;
};

class StartRedisOnExit {
 public:
  ~StartRedisOnExit() {
    if (!armed_) return;
    try {
      Stack().StartRedis();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restart Redis: " << e.what());
    }
  }
  void Disarm() { armed_ = false; }

 private:
  bool armed_ = true;
};

bool CacheHealthy(const Api& api) {
  HttpResponse r = api.http().Get("/api/health");
  return r.status == 200 && r.json["cache"].asString() == "ok";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cache)

BOOST_AUTO_TEST_CASE(reads_follow_every_kind_of_write) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10, "4.00");
  ExpectProduct(api, db, product, 10, 10, "create");
  // Guard: the reads above filled the cache. Without a cache in use these tests prove nothing.
  RedisProbe redis(Stack().redis_socket());
  BOOST_TEST_REQUIRE(redis.Command({"DBSIZE"}) != "0", "Redis is empty after product reads");

  int64_t h1 = MustHold(api, product, 3);
  ExpectProduct(api, db, product, 10, 7, "hold");
  int64_t h2 = MustHold(api, product, 2);
  ExpectProduct(api, db, product, 10, 5, "second hold");
  BOOST_TEST_REQUIRE(api.DeleteHold(h2).status == 200);
  ExpectProduct(api, db, product, 10, 7, "release");
  int64_t o1 = MustOrder(api, h1);
  ExpectProduct(api, db, product, 10, 7, "order");
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("cache"), o1, "success").status == 200);
  ExpectProduct(api, db, product, 7, 7, "paid");
  int64_t o2 = MustOrder(api, MustHold(api, product, 2));
  ExpectProduct(api, db, product, 7, 5, "hold and order");
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("cache"), o2, "failed").status == 200);
  ExpectProduct(api, db, product, 7, 7, "failed payment");
  BOOST_TEST_REQUIRE(api.PatchProduct(product, "{\"stock\":20}").status == 200);
  ExpectProduct(api, db, product, 20, 20, "PATCH up");
  BOOST_TEST_REQUIRE(api.PatchProduct(product, "{\"stock\":15}").status == 200);
  ExpectProduct(api, db, product, 15, 15, "PATCH down");
  // A refused request changes nothing, and must not leave a wrong value behind either.
  BOOST_TEST(api.PostHold(product, 16).status == 409);
  ExpectProduct(api, db, product, 15, 15, "refused hold");
}

BOOST_AUTO_TEST_CASE(flushall_loses_nothing) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  RedisProbe redis(Stack().redis_socket());
  int64_t product = MustCreateProduct(api, 10);
  MustHold(api, product, 4);
  ExpectProduct(api, db, product, 10, 6, "hold");
  redis.FlushAll();
  ExpectProduct(api, db, product, 10, 6, "FLUSHALL");
  int64_t hold = MustHold(api, product, 1);
  ExpectProduct(api, db, product, 10, 5, "hold after FLUSHALL");
  redis.FlushAll();
  BOOST_TEST_REQUIRE(api.DeleteHold(hold).status == 200);
  ExpectProduct(api, db, product, 10, 6, "FLUSHALL then release");
}

BOOST_AUTO_TEST_CASE(writes_while_redis_was_stopped_are_visible_after) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  ExpectProduct(api, db, product, 10, 10, "create");

  StartRedisOnExit restart;
  Stack().StopRedis();
  int64_t hold = MustHold(api, product, 3);
  BOOST_TEST_REQUIRE(api.PatchProduct(product, "{\"stock\":12}").status == 200);
  int64_t order = MustOrder(api, hold);
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("down"), order, "success").status == 200);
  MustHold(api, product, 2);
  ExpectProduct(api, db, product, 9, 7, "writes with Redis stopped");
  Stack().StartRedis();
  restart.Disarm();

  // Right after the restart, and once the pool uses the cache again: always the latest values.
  ExpectProduct(api, db, product, 9, 7, "Redis started");
  BOOST_TEST(Eventually(10000, [&] { return CacheHealthy(api); }));
  for (int i = 0; i < 5; ++i) {
    ExpectProduct(api, db, product, 9, 7, "cache back, read " + std::to_string(i));
    SleepMillis(300);
  }
  MustHold(api, product, 1);
  ExpectProduct(api, db, product, 9, 6, "a write with the cache back");
}

// Redis stalls (SIGSTOP) with this product's entry in it; writes happen meanwhile and cannot
// reach it; Redis resumes with the old entry still there. No read may serve it.
BOOST_AUTO_TEST_CASE(entries_surviving_a_redis_stall_are_not_served) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  ExpectProduct(api, db, product, 10, 10, "create");  // cached now
  pid_t redis = Stack().RedisPid();
  BOOST_TEST_REQUIRE(redis > 0);
  {
    ResumeRedisOnExit resume(redis);
    BOOST_TEST_REQUIRE(::kill(redis, SIGSTOP) == 0);
    HttpResponse hold = api.PostHold(product, 4);
    BOOST_TEST(hold.status == 201, hold.Describe());
    HttpResponse patch = api.PatchProduct(product, "{\"stock\":11}");
    BOOST_TEST(patch.status == 200, patch.Describe());
  }
  for (int i = 0; i < 8; ++i) {
    ExpectProduct(api, db, product, 11, 7, "Redis resumed, read " + std::to_string(i));
    SleepMillis(250);
  }
  BOOST_TEST(Eventually(10000, [&] { return CacheHealthy(api); }));
  ExpectProduct(api, db, product, 11, 7, "cache healthy again");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
