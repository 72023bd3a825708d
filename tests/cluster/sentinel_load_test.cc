// The Redis master SIGKILLed while buyers check out (tests/support/checkout_clients.h) and
// readers read through every pool (README "Scaling out"). Redis down means degraded, not down:
// nobody gets an error for it. The pools follow the replica the Sentinels promote, and use the
// cache again (hits, invalidations) on it; afterwards the database holds what the buyers were
// told (tests/support/ledger_checks.h), the invariants hold, and GET equals the database
// through every pool. The test reports how long the pools
// went without the cache: from the kill to the promotion, to the first hit and the first
// invalidation on the new master, and until every pool had both.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "../support/api.h"
#include "../support/checkout_clients.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/ledger_checks.h"
#include "cluster_stack.h"
#include "sentinel_nodes.h"

namespace flashsale::ctest {
namespace {

using itest::Api;
using itest::NowMillis;

constexpr int kBuyers = 6;
constexpr int64_t kStock = 100000;  // never sold out: every hold writes and invalidates

// When each pool's counter first grew past `base` (ms since `since`; -1 while it has not).
struct FirstGrowth {
  std::vector<double> base;
  std::vector<int64_t> at;
  void Start(const std::vector<double>& now) {
    base = now;
    at.assign(now.size(), -1);
  }
  void See(const std::vector<double>& now, int64_t ms) {
    for (size_t i = 0; i < now.size(); ++i) {
      if (at[i] < 0 && now[i] > base[i]) at[i] = ms;
    }
  }
  bool All() const { return std::find(at.begin(), at.end(), -1) == at.end(); }
  int64_t First() const {
    int64_t best = -1;
    for (int64_t a : at) {
      if (a >= 0 && (best < 0 || a < best)) best = a;
    }
    return best;
  }
  int64_t Last() const { return All() ? *std::max_element(at.begin(), at.end()) : -1; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sentinel_load)

BOOST_AUTO_TEST_CASE(the_pools_follow_the_new_master_under_load) {
  const int pools = Cluster().pools();
  Api any(Cluster().base_url());
  std::vector<int64_t> products = {itest::MustCreateProduct(any, kStock),
                                   itest::MustCreateProduct(any, kStock)};

  // Readers: one per pool, reading both products in turn; any answer but 200 counts.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0};
  std::atomic<int64_t> bad_reads{0};
  std::mutex bad_mutex;
  std::string last_bad;
  std::vector<std::thread> readers;
  for (int i = 0; i < pools; ++i) {
    readers.emplace_back([&, i] {
      Api api(Cluster().pool_url(i));
      for (int64_t n = 0; !stop.load(); ++n) {
        itest::HttpResponse r = api.GetProduct(products[n % products.size()]);
        ++reads;
        if (r.status != 200) {
          ++bad_reads;
          std::lock_guard<std::mutex> lock(bad_mutex);
          last_bad = "pool " + std::to_string(i) + ": " + r.Describe();
        }
        itest::SleepMillis(5);
      }
    });
  }
  auto stop_readers = [&] {
    stop = true;
    for (std::thread& t : readers) t.join();
    readers.clear();
  };
  itest::CheckoutClients buyers(any, products, kBuyers);
  itest::SleepMillis(2000);

  const int master = RedisMasterPort();
  BOOST_REQUIRE(master > 0);
  const int replica = RedisReplicaPort(master);
  const int64_t killed_at = NowMillis();
  itest::CommandResult kill = Cluster().Command({"redis-kill-master"});
  if (kill.exit_code != 0) {
    buyers.Stop();
    stop_readers();
    BOOST_FAIL("redis-kill-master: " << kill.output);
  }
  // Anything counted from here on happened on another node than the dead master.
  FirstGrowth hits;
  FirstGrowth invalidations;
  hits.Start(PoolCounters("cache_lookups", "hit"));
  invalidations.Start(PoolCounters("cache_invalidations", "ok"));
  int64_t promoted_ms = -1;
  bool recovered = itest::Eventually(30000, [&] {
    int64_t ms = NowMillis() - killed_at;
    if (promoted_ms < 0 && RedisMasterPort() == replica) promoted_ms = ms;
    hits.See(PoolCounters("cache_lookups", "hit"), ms);
    invalidations.See(PoolCounters("cache_invalidations", "ok"), ms);
    return promoted_ms >= 0 && hits.All() && invalidations.All();
  });
  itest::SleepMillis(1000);  // some load on the new master
  buyers.Stop();
  stop_readers();

  BOOST_TEST_MESSAGE("redis master killed under load: replica promoted after "
                     << promoted_ms << " ms; first cache hit on it after " << hits.First()
                     << " ms, every pool after " << hits.Last() << " ms; first invalidation after "
                     << invalidations.First() << " ms, every pool after " << invalidations.Last()
                     << " ms; " << buyers.definite() << " definite answers, " << reads.load()
                     << " reads");
  BOOST_TEST(promoted_ms >= 0, "the Sentinels did not promote the replica on " << replica);
  BOOST_TEST(recovered, "not every pool used the new master's cache within 30 s of the kill");

  const itest::Ledger& ledger = buyers.ledger();
  BOOST_TEST(bad_reads.load() == 0, bad_reads.load() << " reads were not 200; last: " << last_bad);
  for (const std::string& s : ledger.surprises) BOOST_TEST(false, "surprise: " << s);
  for (const std::string& s : ledger.unresolved) BOOST_TEST(false, "unresolved: " << s);
  for (const auto& [status, n] : ledger.attempts) {
    BOOST_TEST((status != 0 && status < 500), n << " answers with status " << status);
  }
  BOOST_TEST(!ledger.holds.empty());

  itest::DbProbe db(Cluster().node_socket(1));
  itest::CheckLedgerHolds(db, products, ledger);
  itest::CheckLedgerOrders(db, products, ledger);
  itest::CheckInvariants(db, "Redis master killed under load");
  for (int i = 0; i < pools; ++i) {
    Api api(Cluster().pool_url(i));
    // Within a few seconds: a node may apply late.
    for (int64_t product : products) {
      itest::CheckReadsMatchDatabase(api, db, product, 5000, "pool " + std::to_string(i));
    }
  }

  RejoinOldMaster(master, replica);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::ctest
