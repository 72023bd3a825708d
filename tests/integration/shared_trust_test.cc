// Several pools on one Redis and one database (README "Invariants", the cache rule; guarantee 4):
// a pool cut off from Redis while it writes can never make another pool serve an availability
// older than its answered write.
//
// The stack's own pool (reached through nginx) is pointed at Redis through a CutProxy; a second
// pool, started here on its own socket with the same config, reaches Redis directly and is read
// over FastCGI. The dangerous instants are made on purpose:
//   - the other pool filled the cache just before the cut-off write (a plain stale entry);
//   - the other pool's reader stopped (fault point) between its database read and its fill,
//     the cut-off write answered meanwhile, then the reader resumes and fills: a stale entry
//     whose generation no writer could bump.
// Without the trust ledger (store/trust_ledger.h) both serve the old availability.
#include <signal.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <future>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/cut_proxy.h"
#include "../support/db_probe.h"
#include "../support/http_client.h"
#include "../support/pool_probe.h"
#include "../support/redis_probe.h"
#include "../support/test_stack.h"
#include "store/trust_ledger.h"

namespace flashsale::itest {
namespace {

// A second pool of the same config on its own socket, with fault points; stopped at scope end.
class SecondPool {
 public:
  SecondPool()
      : socket_(Stack().var_dir() + "/run/fcgi-second.sock"),
        faults_(Stack().var_dir() + "/run/faults-second") {
    ::mkdir(faults_.c_str(), 0700);
    pid_ = Stack().StartCommand({"build/bin/flashsale-fcgi", "--config",
                                 Stack().repo_root() + "/conf/flashsale.conf"},
                                {{"FLASHSALE_FCGI_LISTEN", socket_},
                                 {"FLASHSALE_PID_FILE", ""},
                                 {"FLASHSALE_LOG_FILE", ""},
                                 {"FLASHSALE_PM", "static"},
                                 {"FLASHSALE_WORKERS", "2"},
                                 {"FLASHSALE_FAULT_DIR", faults_}});
    bool up = Eventually(15000, [&] {
      return FastCgiGet(socket_, "/api/health").find("\"status\"") != std::string::npos;
    });
    if (!up) {
      CommandResult r = Stop();
      BOOST_FAIL("the second pool did not answer: " << r.output);
    }
  }
  ~SecondPool() { Stop(); }

  CommandResult Stop() {
    if (pid_ == 0) return {};
    ::kill(pid_, SIGINT);
    CommandResult r = Stack().Wait(pid_);
    pid_ = 0;
    return r;
  }

  pid_t master() const { return pid_; }
  void Arm(const std::string& point) { std::ofstream(faults_ + "/" + point) << ""; }

  // The product's `available` as this pool answers it; -1 when the answer is not a 200 product.
  int64_t Available(int64_t product) const {
    std::string out = FastCgiGet(socket_, "/api/products/" + std::to_string(product));
    size_t body = out.find("\r\n\r\n");
    Json::Value json;
    if (out.rfind("Status: 200", 0) != 0 || body == std::string::npos ||
        !ParseJson(out.substr(body + 4), &json) || !json.isMember("available")) {
      return -1;
    }
    return json["available"].asInt64();
  }

 private:
  std::string socket_;
  std::string faults_;
  pid_t pid_ = 0;
};

// The stack's pool reaches Redis only through `proxy`, for the scope.
EnvOverrides ThroughProxy(const CutProxy& proxy) {
  return {{"FLASHSALE_REDIS_SOCKET", ""},
          {"FLASHSALE_REDIS_HOST", "127.0.0.1"},
          {"FLASHSALE_REDIS_PORT", std::to_string(proxy.port())}};
}

int64_t DbAvailable(DbProbe& db, int64_t product) {
  DbProduct row = ReadDbProduct(db, product);
  return row.stock - row.reserved;
}

// Each case: the stack's pool writes through a proxy to Redis, a second pool reads directly.
struct TwoPools {
  CutProxy proxy{Stack().redis_socket()};
  ScopedPool writer_pool{ThroughProxy(proxy)};
  SecondPool reader_pool;
  Api api;
  DbProbe db{Stack().mysql_socket()};
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(shared_trust, TwoPools)

BOOST_AUTO_TEST_CASE(a_pool_cut_off_from_redis_never_lets_another_serve_a_stale_availability) {
  int64_t product = MustCreateProduct(api, 5);
  BOOST_TEST_REQUIRE(reader_pool.Available(product) == 5);  // the other pool caches "5"
  BOOST_TEST_REQUIRE(reader_pool.Available(product) == 5);

  proxy.Cut();
  int64_t started = NowMillis();
  HttpResponse hold = api.PostHold(product, 2);
  int64_t took = NowMillis() - started;
  BOOST_TEST_REQUIRE(hold.status == 201, hold.Describe());
  BOOST_TEST(DbAvailable(db, product) == 3);
  BOOST_TEST(reader_pool.Available(product) == 3, "read through the other pool right after the 201");
  BOOST_TEST_MESSAGE("the cut-off write was answered after " << took << " ms (it waits for the "
                                                             << "other pools' leases)");
  BOOST_TEST(took >= store::TrustLedger::kLeaseMs - store::TrustLedger::kMarginMs);

  // Still cut off: every write warns again, and the other pool keeps using the cache between
  // them (it retired its entries once per warning, not for good).
  HttpResponse second = api.PostHold(product, 1);
  BOOST_TEST_REQUIRE(second.status == 201, second.Describe());
  RedisProbe redis(Stack().redis_socket());
  const std::string entry = "flashsale:product:" + std::to_string(product);
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(reader_pool.Available(product) == 2, "read " << i << " after the second write");
    SleepMillis(100);
  }
  BOOST_TEST(!redis.Keys(entry).empty(), "the other pool stopped using the cache");
  proxy.Restore();
  BOOST_TEST(MustGetProduct(api, product).available == 2);
  CheckInvariants(db, "after writes through a pool cut off from Redis");
}

BOOST_AUTO_TEST_CASE(a_fill_paused_across_a_cut_off_write_is_never_served) {
  int64_t product = MustCreateProduct(api, 5);
  reader_pool.Arm("cache.before_fill");
  auto paused = std::async(std::launch::async, [&] { return reader_pool.Available(product); });
  pid_t reader = WaitForStoppedChildOf(reader_pool.master(), 10000);
  BOOST_TEST_REQUIRE(reader != 0, "no reader of the other pool stopped before its fill");

  proxy.Cut();
  HttpResponse hold = api.PostHold(product, 2);
  BOOST_TEST_REQUIRE(hold.status == 201, hold.Describe());
  ::kill(reader, SIGCONT);
  BOOST_TEST(paused.get() == 5);  // read before the write: an answer of its own time

  // The resumed fill stored the pre-write snapshot (no writer could bump its generation).
  BOOST_TEST(reader_pool.Available(product) == 3, "read through the other pool after the fill");
  BOOST_TEST(reader_pool.Available(product) == 3);
  proxy.Restore();
  CheckInvariants(db, "after a paused fill across a cut-off write");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
