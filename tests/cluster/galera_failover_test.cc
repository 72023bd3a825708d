// The pools on a Galera cluster with one writer (store/db_nodes.h), while nodes die and rejoin:
//   - every transaction of a pool waits for the cluster (wsrep_sync_wait), keyed ones included;
//   - a hold answered just before the writer is SIGKILLed is read on the new writer at once;
//   - a flash sale while the writer is SIGKILLed and then rejoins: one node takes the writes
//     before, another after, the first again once it is back; every answer the clients got is in
//     the database exactly once, nothing is oversold; prints the time without a writer and the
//     503s;
//   - a rolling restart (each node stopped and started in turn) under load: the same checks;
//   - while no node takes writes (every node refusing queries): a fast 503 with Retry-After,
//     and the retry with the same Idempotency-Key afterwards does the work once.
// The faults hit while requests are in flight (the load runs without pause and the kill waits
// for a request in flight).
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <mutex>
#include <sstream>
#include <thread>

#include "../support/api.h"
#include "../support/checkout_clients.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/ledger_checks.h"
#include "cluster_stack.h"
#include "galera_load.h"

namespace flashsale::ctest {
namespace {

using itest::Api;
using itest::HttpResponse;

// Restarts a node the test stopped if the test ends early, so the next test finds 3 nodes.
struct NodeDown {
  int node = 0;
  ~NodeDown() {
    if (node != 0) (void)Cluster().Command({"node-start", std::to_string(node)});
  }
};

// Commits per node over one second: which nodes took writes.
std::vector<int64_t> CommitsOverOneSecond() {
  std::vector<int64_t> before = LocalCommits();
  itest::SleepMillis(1000);
  std::vector<int64_t> after = LocalCommits();
  std::vector<int64_t> delta;
  for (size_t i = 0; i < after.size(); ++i) {
    delta.push_back(before[i] < 0 || after[i] < 0 ? -1 : after[i] - before[i]);
  }
  return delta;
}

std::string Show(const std::vector<int64_t>& v) {
  std::ostringstream out;
  for (size_t i = 0; i < v.size(); ++i) out << " node" << i + 1 << "=" << v[i];
  return out.str();
}

// True once, over one second, only `node` took commits (a dead node counts as none).
bool OnlyWriterIs(int node, std::string* seen) {
  std::vector<int64_t> d = CommitsOverOneSecond();
  *seen = Show(d);
  for (int n = 1; n <= 3; ++n) {
    int64_t v = d[static_cast<size_t>(n - 1)];
    if (n == node ? v <= 0 : v > 0) return false;
  }
  return true;
}

int64_t CausalReads() {
  int64_t sum = 0;
  for (int n = 1; n <= 3; ++n) {
    itest::DbProbe db(Cluster().node_socket(n));
    std::vector<itest::SqlRow> rows = db.Query("SHOW GLOBAL STATUS LIKE 'wsrep_causal_reads'");
    sum += std::stoll(*rows.at(0)[1]);
  }
  return sum;
}

// The ledger and the hold load held to the database, read on `node`.
void CheckAnswersAgainstDb(int node, const std::vector<int64_t>& products, const itest::Ledger& ledger,
                           const HoldLoad& load, int64_t load_product, const std::string& context) {
  BOOST_TEST(load.problems().empty(), context << ": " << load.problems().size()
                                             << " problems, first: " << load.problems()[0]);
  BOOST_TEST(ledger.unresolved.empty(), context << ": unresolved " << ledger.unresolved.size());
  BOOST_TEST(ledger.surprises.empty(), context << ": surprises " << ledger.surprises.size() << ", first: "
                                               << (ledger.surprises.empty() ? "" : ledger.surprises[0]));
  BOOST_TEST((HoldsInDb(node, load_product) == load.held()),
             context << ": the keyed holds in the database are not exactly those answered 201");
  itest::DbProbe db(Cluster().node_socket(node));
  db.Exec("SET SESSION wsrep_sync_wait = 7");
  itest::CheckLedgerHolds(db, products, ledger);
  itest::CheckLedgerOrders(db, products, ledger);
  itest::CheckInvariants(db, context);
  BOOST_TEST(itest::ReadDbProduct(db, load_product).reserved == static_cast<int64_t>(load.held().size()));
}

std::string Statuses(const itest::Ledger& ledger) {
  std::ostringstream out;
  for (const auto& [status, n] : ledger.attempts) out << " " << status << "=" << n;
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(galera)

BOOST_AUTO_TEST_CASE(every_transaction_waits_for_the_cluster) {
  Api pool(Cluster().pool_url(0));
  int64_t product = itest::MustCreateProduct(pool, 1000);
  int64_t before = CausalReads();
  constexpr int kHolds = 10;
  for (int i = 0; i < kHolds; ++i) {
    // Keyed: the transaction starts with the key's INSERT, which waits only with bits 2|4.
    HttpResponse r = pool.PostHold(product, 1, {{"Idempotency-Key", itest::UniqueName("sync-wait")}});
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.Describe());
  }
  int64_t waits = CausalReads() - before;
  BOOST_TEST_MESSAGE("causal waits for " << kHolds << " keyed holds: " << waits);
  BOOST_TEST(waits >= kHolds, "only " << waits << " causal waits for " << kHolds << " keyed holds");
}

BOOST_AUTO_TEST_CASE(a_hold_answered_before_the_kill_is_read_on_the_new_writer) {
  Api writer(Cluster().pool_url(0));
  std::vector<Api> readers = {Api(Cluster().pool_url(1)), Api(Cluster().pool_url(2))};
  constexpr int64_t kStock = 100000;
  int64_t product = itest::MustCreateProduct(writer, kStock);

  // Holds back to back through pool 0 until the kill; the last 201 before it is the one to read.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> in_flight{0};
  std::mutex mu;
  std::vector<std::pair<int64_t, int64_t>> answered;  // (end time, hold id)
  std::thread holder([&] {
    while (!stop) {
      ++in_flight;
      HttpResponse r = writer.PostHold(product, 1);
      --in_flight;
      if (r.status == 201) {
        std::lock_guard<std::mutex> lock(mu);
        answered.emplace_back(itest::NowMillis(), r.json["hold_id"].asInt64());
      }
    }
  });
  itest::SleepMillis(500);
  BOOST_REQUIRE(itest::Eventually(5000, [&] { return in_flight.load() > 0; }));
  NodeDown down{1};
  const int64_t kill_ms = itest::NowMillis();
  NodeCommand("node-kill", 1);
  int64_t last = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [end, id] : answered) {
      if (end <= kill_ms) last = id;
    }
  }
  BOOST_REQUIRE_MESSAGE(last != 0, "no hold was answered before the kill");
  // At once, through the other pools: they reconnect to the next node and read it there.
  for (const Api& reader : readers) {
    HttpResponse h = reader.GetHold(last);
    BOOST_TEST(h.status == 200, h.Describe());
    BOOST_TEST(h.json["status"].asString() == "active", h.Describe());
  }
  itest::SleepMillis(1500);
  stop = true;
  holder.join();
  std::vector<int64_t> ids;
  for (const auto& [end, id] : answered) ids.push_back(id);
  BOOST_TEST_MESSAGE(ids.size() << " holds answered 201 around the kill");
  for (int64_t id : ids) {
    HttpResponse h = readers[static_cast<size_t>(id % 2)].GetHold(id);
    BOOST_TEST(h.status == 200, "hold " << id << " answered 201: " << h.Describe());
  }
  // Holds whose answer was lost with the node (503 without a key) may exist too: at least the
  // answered ones are counted.
  itest::ProductView view = itest::MustGetProduct(readers[0], product);
  BOOST_TEST(view.available <= kStock - static_cast<int64_t>(ids.size()));
  NodeCommand("node-start", 1);
  down.node = 0;
}

BOOST_AUTO_TEST_CASE(no_node_taking_writes_is_a_fast_503_and_the_key_tells_the_truth_after) {
  // wsrep_reject_queries = ALL: the node stays Synced in the cluster but answers 1047 to every
  // client statement, as a node leaving the primary component does.
  struct Reset {
    ~Reset() {
      for (int n = 1; n <= 3; ++n) RootSql(n, "SET GLOBAL wsrep_reject_queries = NONE");
    }
  } reset;
  std::vector<Api> apis;
  for (int i = 0; i < Cluster().pools(); ++i) apis.emplace_back(Cluster().pool_url(i));
  int64_t product = itest::MustCreateProduct(apis[0], 100);
  int64_t hold = itest::MustHold(apis[0], product, 1);

  // The writer refuses: each pool moves to the next node within the request.
  BOOST_REQUIRE(RootSql(1, "SET GLOBAL wsrep_reject_queries = ALL"));
  for (const Api& api : apis) {
    HttpResponse h = api.GetHold(hold);
    BOOST_TEST(h.status == 200, "with node 1 refusing queries: " << h.Describe());
  }
  // No node takes writes: 503 with Retry-After, well inside the request timeout.
  BOOST_REQUIRE(RootSql(2, "SET GLOBAL wsrep_reject_queries = ALL"));
  BOOST_REQUIRE(RootSql(3, "SET GLOBAL wsrep_reject_queries = ALL"));
  itest::Headers key = {{"Idempotency-Key", itest::UniqueName("no-writer")}};
  for (const Api& api : apis) {
    int64_t start = itest::NowMillis();
    HttpResponse r = api.PostHold(product, 1, key);
    int64_t took = itest::NowMillis() - start;
    BOOST_TEST(r.status == 503, r.Describe());
    BOOST_TEST(r.ErrorCode() == "service_unavailable");
    BOOST_TEST(r.Header("Retry-After") == "1");
    BOOST_TEST_MESSAGE("503 with no node taking writes in " << took << " ms");
    BOOST_TEST(took < 5000, "the 503 took " << took << " ms");
  }
  for (int n = 1; n <= 3; ++n) BOOST_REQUIRE(RootSql(n, "SET GLOBAL wsrep_reject_queries = NONE"));
  // The same key again: the 503s committed nothing, so the hold is made now, once.
  HttpResponse r = apis[1].PostHold(product, 1, key);
  BOOST_TEST_REQUIRE(r.status == 201, r.Describe());
  HttpResponse again = apis[2].PostHold(product, 1, key);
  BOOST_TEST(again.status == 201, again.Describe());
  BOOST_TEST(again.json["hold_id"].asInt64() == r.json["hold_id"].asInt64());
  BOOST_TEST(HoldsInDb(1, product).size() == 2u, "the first hold and the keyed one");
}

BOOST_AUTO_TEST_CASE(a_flash_sale_survives_the_writer_killed_and_rejoining) {
  Api shared(Cluster().base_url());
  std::vector<int64_t> products = {itest::MustCreateProduct(shared, 30),
                                   itest::MustCreateProduct(shared, 100000)};
  int64_t load_product = itest::MustCreateProduct(shared, 100000);
  std::string seen;
  // The writer is node 1 (a test before may have moved it: pools go back within seconds).
  itest::CheckoutClients buyers(shared, products, 6);
  HoldLoad load(shared, load_product, 4);
  BOOST_REQUIRE(itest::Eventually(60000, [&] { return buyers.definite() >= 40 && load.definite() >= 20; }));
  BOOST_TEST(itest::Eventually(20000, [&] { return OnlyWriterIs(1, &seen); }),
             "before the kill, commits per node over 1 s:" << seen);

  BOOST_REQUIRE(itest::Eventually(5000, [&] { return load.in_flight() > 0; }));
  NodeDown down{1};
  const int64_t kill_ms = itest::NowMillis();
  NodeCommand("node-kill", 1);
  const int64_t after_kill = load.definite();
  BOOST_REQUIRE_MESSAGE(itest::Eventually(60000, [&] { return load.definite() >= after_kill + 20; }),
                        "no writer after the kill");
  BOOST_TEST(itest::Eventually(10000, [&] { return OnlyWriterIs(2, &seen); }),
             "after the kill, commits per node over 1 s:" << seen);

  const int64_t start_ms = itest::NowMillis();
  NodeCommand("node-start", 1);
  down.node = 0;
  BOOST_TEST_MESSAGE("node 1 rejoined (Synced) in " << itest::NowMillis() - start_ms << " ms");
  // Every worker goes back to node 1 within kFailBackCheckMs (5 s) of it being Synced.
  BOOST_TEST(itest::Eventually(20000, [&] { return OnlyWriterIs(1, &seen); }),
             "after the rejoin, commits per node over 1 s:" << seen);
  buyers.Stop();
  load.Stop();

  Outage outage = MeasureOutage(load.attempts(), kill_ms);
  BOOST_TEST_MESSAGE("writer SIGKILLed: " << outage.Describe() << "; hold load " << load.held().size()
                                          << " holds; checkout statuses" << Statuses(buyers.ledger()));
  BOOST_TEST(outage.failed == outage.status_503 + outage.status_502 + outage.no_answer);
  CheckAnswersAgainstDb(2, products, buyers.ledger(), load, load_product, "after the writer was killed");
}

BOOST_AUTO_TEST_CASE(a_rolling_restart_under_load_loses_nothing) {
  Api shared(Cluster().base_url());
  std::vector<int64_t> products = {itest::MustCreateProduct(shared, 30),
                                   itest::MustCreateProduct(shared, 100000)};
  int64_t load_product = itest::MustCreateProduct(shared, 100000);
  itest::CheckoutClients buyers(shared, products, 6);
  HoldLoad load(shared, load_product, 4);
  BOOST_REQUIRE(itest::Eventually(60000, [&] { return buyers.definite() >= 20 && load.definite() >= 10; }));
  const int64_t begin_ms = itest::NowMillis();
  for (int n = 1; n <= 3; ++n) {
    BOOST_REQUIRE(itest::Eventually(5000, [&] { return load.in_flight() > 0; }));
    NodeDown down{n};
    int64_t step = itest::NowMillis();
    NodeCommand("node-stop", n);
    int64_t stopped = itest::NowMillis();
    int64_t mark = load.definite();
    BOOST_REQUIRE_MESSAGE(itest::Eventually(60000, [&] { return load.definite() >= mark + 10; }),
                          "no writer with node " << n << " stopped");
    int64_t rejoin = itest::NowMillis();
    NodeCommand("node-start", n);
    down.node = 0;
    BOOST_TEST_MESSAGE("node " << n << ": stopped in " << stopped - step << " ms, Synced again "
                               << itest::NowMillis() - rejoin << " ms after node-start");
    mark = load.definite();
    BOOST_REQUIRE_MESSAGE(itest::Eventually(60000, [&] { return load.definite() >= mark + 10; }),
                          "no writer after node " << n << " rejoined");
  }
  buyers.Stop();
  load.Stop();
  Outage outage = MeasureOutage(load.attempts(), begin_ms);
  BOOST_TEST_MESSAGE("rolling restart: " << outage.Describe() << "; hold load " << load.held().size()
                                         << " holds; checkout statuses" << Statuses(buyers.ledger()));
  CheckAnswersAgainstDb(1, products, buyers.ledger(), load, load_product, "after a rolling restart");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::ctest
