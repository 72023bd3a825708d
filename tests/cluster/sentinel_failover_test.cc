// Redis behind Sentinel, the dangerous instant made to happen (README "Scaling out"): the master
// deletes a cache entry (a write's invalidation) that never reaches its replica, the master dies,
// and the Sentinels promote that replica, entry and all. The pools must follow the new master
// and never serve that entry: every read afterwards shows the write.
//
// How the instant is made: an entry lives 1 s (ProductCache::kMaxEntryAgeMs) and a failover
// takes longer, so the test re-stores the entry with a long TTL first (the entry of a failover
// faster than its age). The replica is then stopped (SIGSTOP) and the master drops its link
// (CLIENT KILL TYPE replica), so nothing the master does next reaches it: the replica cannot
// catch up from the dead master when it resumes, exactly as a replica that lagged when its
// master was SIGKILLed.
#include <signal.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "../support/api.h"
#include "../support/redis_probe.h"
#include "cluster_stack.h"
#include "sentinel_nodes.h"

namespace flashsale::ctest {
namespace {

using itest::Api;
using itest::HttpResponse;
using itest::RedisProbe;

constexpr int64_t kStock = 50;
constexpr int64_t kHeld = 3;

std::string DataKey(int64_t product) { return "flashsale:product:" + std::to_string(product); }

// Whatever happens to the test, the replica runs again and a killed master rejoins.
struct LeaveAsFound {
  pid_t stopped = 0;
  bool killed = false;
  ~LeaveAsFound() {
    if (stopped > 0) ::kill(stopped, SIGCONT);
    if (killed) Cluster().Command({"redis-start-old"});
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sentinel_failover)

BOOST_AUTO_TEST_CASE(a_promoted_replica_never_serves_an_entry_its_old_master_deleted) {
  const int pools = Cluster().pools();
  std::vector<Api> pool;
  for (int i = 0; i < pools; ++i) pool.emplace_back(Cluster().pool_url(i));
  Api any(Cluster().base_url());
  int64_t product = itest::MustCreateProduct(any, kStock);

  const int master = RedisMasterPort();
  BOOST_REQUIRE(master > 0);
  const int replica = RedisReplicaPort(master);
  const pid_t replica_pid = RedisPid(replica);
  RedisProbe old_master("127.0.0.1", master);
  auto replica_node = [&] { return RedisProbe("127.0.0.1", replica); };  // promotion drops clients

  // An entry, filled through pool 0, made to outlive the failover, and on the replica too.
  BOOST_REQUIRE(itest::MustGetProduct(pool[0], product).available == kStock);
  const std::string entry = old_master.Command({"GET", DataKey(product)});
  BOOST_REQUIRE_MESSAGE(!entry.empty(), "GET did not fill the cache");
  old_master.Command({"SET", DataKey(product), entry, "PX", "120000"});
  BOOST_REQUIRE(itest::Eventually(10000, [&] {
    return replica_node().Command({"GET", DataKey(product)}) == entry;
  }));

  // The replica cut off; a write through another pool; the master deletes the entry.
  LeaveAsFound restore;
  BOOST_REQUIRE(::kill(replica_pid, SIGSTOP) == 0);
  restore.stopped = replica_pid;
  old_master.Command({"CLIENT", "KILL", "TYPE", "replica"});
  HttpResponse hold = pool[1 % pools].PostHold(product, kHeld);
  bool hold_ok = hold.status == 201;
  bool deleted = old_master.Command({"GET", DataKey(product)}).empty();

  const int64_t killed_at = itest::NowMillis();
  itest::CommandResult kill = Cluster().Command({"redis-kill-master"});
  restore.killed = true;
  ::kill(replica_pid, SIGCONT);
  restore.stopped = 0;
  BOOST_REQUIRE_MESSAGE(hold_ok, hold.Describe());
  BOOST_REQUIRE_MESSAGE(deleted, "the write did not invalidate on the master");
  BOOST_REQUIRE_MESSAGE(kill.exit_code == 0, kill.output);

  BOOST_REQUIRE_MESSAGE(itest::Eventually(30000, [&] { return RedisMasterPort() == replica; }),
                        "the Sentinels did not promote the replica on " << replica);
  const int64_t promoted_ms = itest::NowMillis() - killed_at;
  // The dangerous instant happened: the new master holds the entry the old one deleted, under
  // the epoch it was written with (nothing has read from it yet).
  RedisProbe promoted = replica_node();
  BOOST_REQUIRE_MESSAGE(promoted.Command({"GET", DataKey(product)}) == entry,
                        "the promoted replica does not hold the stale entry; nothing was tested");
  BOOST_TEST(entry.rfind(promoted.Command({"GET", "flashsale:cache:epoch:2"}) + "|", 0) == 0,
             "the entry's epoch is not current on the promoted replica");

  // Read through every pool until each has served cache hits from the new master: every
  // answer shows the write.
  std::vector<double> hits_before = PoolCounters("cache_lookups", "hit");
  std::vector<bool> hit(pools, false);
  int64_t first_hit_ms = -1;
  int stale = 0;
  int reads = 0;
  std::string last_stale;
  bool all_hit = itest::Eventually(30000, [&] {
    for (int i = 0; i < pools; ++i) {
      HttpResponse r = pool[i].GetProduct(product);
      ++reads;
      if (r.status != 200 || r.json["available"].asInt64() != kStock - kHeld) {
        ++stale;
        last_stale = "pool " + std::to_string(i) + ": " + r.Describe();
      }
      if (!hit[i] && PoolCounter(i, "cache_lookups", "hit") > hits_before[i]) {
        hit[i] = true;
        if (first_hit_ms < 0) first_hit_ms = itest::NowMillis() - killed_at;
      }
    }
    return std::find(hit.begin(), hit.end(), false) == hit.end();
  });
  BOOST_TEST(stale == 0, stale << " of " << reads << " reads did not show the write; last: " << last_stale);
  BOOST_TEST(all_hit, "not every pool read from the new master's cache within 30 s");

  // A write through each pool reaches the new master: the next read through every pool shows it.
  int64_t held = kHeld;
  for (int w = 0; w < pools; ++w) {
    HttpResponse h = pool[w].PostHold(product, 1);
    BOOST_REQUIRE_MESSAGE(h.status == 201, h.Describe());
    ++held;
    for (int i = 0; i < pools; ++i) {
      BOOST_TEST(itest::MustGetProduct(pool[i], product).available == kStock - held,
                 "pool " << i << " after a hold through pool " << w);
    }
  }
  BOOST_TEST_MESSAGE("redis failover: replica promoted " << promoted_ms << " ms after the kill, first "
                     "cache hit on it after " << first_hit_ms << " ms, " << reads << " reads");

  restore.killed = false;
  RejoinOldMaster(master, replica);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::ctest
