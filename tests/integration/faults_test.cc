// Guarantee 7 (the API reference): faults do not break guarantees 1-6. Buyers run the whole checkout
// (tests/support/checkout_clients.h) while a fault is injected every second or two, at random
// moments: a worker or the pool's master SIGKILLed, MariaDB SIGKILLed or stopped and started
// again, Redis stopped, flushed, paused (SIGSTOP) or restarted, the expiry job SIGKILLed
// mid-run, and the pool's MariaDB connection cut at a COMMIT (tests/support/db_fault_proxy.h).
// Then the database is held to what the buyers were told:
//   - every hold and order a buyer got a 201 for exists exactly once, and nothing else exists
//     (a refused or unanswered request left no trace);
//   - each is in the state its last answer reported (used, released, paid, cancelled...);
//   - one hold_created row per hold; the invariants of checks.h hold;
//   - GET /api/products/{id} equals the database.
//
// FLASHSALE_FAULT_SECONDS sets how long faults are injected (default 40; `make faults` runs a
// long one); FLASHSALE_FAULTS restricts the kinds (comma-separated names below).
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "../support/api.h"
#include "../support/checkout_clients.h"
#include "../support/checks.h"
#include "../support/db_fault_proxy.h"
#include "../support/db_probe.h"
#include "../support/ledger_checks.h"
#include "../support/redis_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

constexpr int kHoldTtlSeconds = 4;  // short: holds expire during the run and the job has work
constexpr int kBuyers = 12;

int FaultSeconds() {
  const char* v = std::getenv("FLASHSALE_FAULT_SECONDS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 40;
}

pid_t PidFromFile(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  return (in >> pid) && pid > 0 ? static_cast<pid_t>(pid) : 0;
}

bool Healthy(const Api& api) { return api.http().Get("/api/health").status == 200; }

// Everything back to normal: MariaDB and Redis running and resumed, the pool answering with
// all its workers. Returns what is still wrong, "" when nothing.
std::string Recover(const Api& api) {
  if (pid_t redis = Stack().RedisPid()) ::kill(redis, SIGCONT);
  Stack().StackCommand("start-db");
  Stack().StackCommand("start-redis");
  if (!Eventually(60000, [&] { return Healthy(api); })) {
    return "the stack did not recover: " + Stack().DiagnosticTails();
  }
  if (!Eventually(30000, [&] {
        return static_cast<int>(Stack().PoolWorkerPids().size()) == kWorkers;
      })) {
    return "the pool did not get back to " + std::to_string(kWorkers) + " workers";
  }
  return "";
}

class Faults {
 public:
  explicit Faults(DbFaultProxy& proxy) : proxy_(proxy), rng_(std::random_device{}()) {
    kinds_ = {
        {"kill-worker", [this] { KillWorker(); }},
        {"kill-master", [this] { KillMaster(); }},
        {"kill-db", [] { StopDb(SIGKILL); }},
        {"stop-db", [] { StopDb(0); }},
        {"stop-redis", [] { Stack().StopRedis(); SleepMillis(500); Stack().StartRedis(); }},
        {"flush-redis", [] { RedisProbe(Stack().redis_socket()).FlushAll(); }},
        {"pause-redis", [] { PauseRedis(); }},
        {"kill-expiry-job", [this] { KillExpiryJob(); }},
        {"cut-commit", [this] { proxy_.ArmCut("COMMIT", Pick(2) ? Cut::kAfterReply : Cut::kBeforeForward); }},
        {"cut-call", [this] { proxy_.ArmCut("CALL", Pick(2) ? Cut::kAfterReply : Cut::kBeforeForward); }},
    };
    if (const char* only = std::getenv("FLASHSALE_FAULTS")) {
      std::set<std::string> wanted;
      std::stringstream in(only);
      for (std::string name; std::getline(in, name, ',');) wanted.insert(name);
      std::erase_if(kinds_, [&](const auto& k) { return wanted.count(k.first) == 0; });
    }
  }

  // Injects faults until `seconds` have passed; returns how many of each kind.
  std::map<std::string, int> Run(int seconds) {
    std::map<std::string, int> done;
    int64_t end = NowMillis() + seconds * 1000LL;
    while (NowMillis() < end && !kinds_.empty()) {
      SleepMillis(std::uniform_int_distribution<int>(600, 2000)(rng_));
      auto& [name, inject] = kinds_[Pick(static_cast<int>(kinds_.size()))];
      BOOST_TEST_MESSAGE("fault: " << name);
      inject();
      ++done[name];
    }
    return done;
  }

 private:
  using Cut = DbFaultProxy::Cut;
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  void KillWorker() {
    std::vector<pid_t> workers = Stack().PoolWorkerPids();
    if (!workers.empty()) ::kill(workers[Pick(static_cast<int>(workers.size()))], SIGKILL);
  }
  void KillMaster() {
    pid_t master = Stack().PoolMasterPid();
    if (master == 0) return;
    ::kill(master, SIGKILL);
    // The local stack's supervisor starts a new pool, as systemd would.
    BOOST_CHECK_MESSAGE(Eventually(15000, [&] {
                          pid_t now = Stack().PoolMasterPid();
                          return now != 0 && now != master && !Stack().PoolWorkerPids().empty();
                        }),
                        "no new pool after the master was killed");
  }
  static void StopDb(int signal) {
    if (signal != 0) {
      if (pid_t db = PidFromFile(Stack().var_dir() + "/run/mariadb.pid")) ::kill(db, signal);
      SleepMillis(200);
    }
    Stack().StackCommand("stop-db");  // graceful, or cleans up after the SIGKILL
    SleepMillis(300);
    Stack().StackCommand("start-db");
  }
  static void PauseRedis() {
    pid_t redis = Stack().RedisPid();
    if (redis == 0) return;
    ::kill(redis, SIGSTOP);
    SleepMillis(800);
    ::kill(redis, SIGCONT);
  }
  void KillExpiryJob() {
    pid_t job = Stack().StartCommand(
        {"build/bin/flashsale-release-expired", "--config", "conf/flashsale.conf"},
        {{"FLASHSALE_EXPIRY_BATCH_SIZE", "3"}});
    SleepMillis(Pick(60));
    ::kill(job, SIGKILL);
    Stack().Wait(job);
  }

  DbFaultProxy& proxy_;
  std::mt19937 rng_;
  std::vector<std::pair<std::string, std::function<void()>>> kinds_;
};

// Pool through the fault proxy, short holds; back to the defaults afterwards.
struct FaultStack {
  FaultStack()
      : proxy(Stack().var_dir() + "/run/db-chaos.sock", Stack().mysql_socket()) {
    Stack().RestartPool({{"FLASHSALE_DB_SOCKET", proxy.path()},
                         {"FLASHSALE_HOLD_TTL_SECONDS", std::to_string(kHoldTtlSeconds)}});
  }
  ~FaultStack() {
    // Whatever the test left broken, the next suites get a working stack.
    try {
      if (pid_t redis = Stack().RedisPid()) ::kill(redis, SIGCONT);
      Stack().StackCommand("start-db");
      Stack().StackCommand("start-redis");
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("restoring the stack failed: " << e.what());
    }
  }
  DbFaultProxy proxy;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(faults)

BOOST_AUTO_TEST_CASE(buyers_are_told_the_truth_whatever_breaks) {
  Api api;
  FaultStack stack;
  // A big product that never sells out and a small one that does (refusals, the cache path).
  std::vector<int64_t> products = {MustCreateProduct(api, 100000), MustCreateProduct(api, 40)};

  CheckoutClients buyers(api, products, kBuyers);
  SleepMillis(1000);
  Faults faults(stack.proxy);
  std::map<std::string, int> injected = faults.Run(FaultSeconds());
  stack.proxy.Disarm();
  std::string broken = Recover(api);
  BOOST_REQUIRE_MESSAGE(broken.empty(), broken);
  SleepMillis(1000);  // some checkouts on the recovered stack
  buyers.Stop();
  const Ledger& ledger = buyers.ledger();

  std::ostringstream summary;
  summary << "faults:";
  for (const auto& [name, n] : injected) summary << " " << name << "=" << n;
  summary << "; statuses seen:";
  for (const auto& [status, n] : ledger.attempts) summary << " " << status << "=" << n;
  summary << "; holds " << ledger.holds.size() << ", orders " << ledger.orders.size()
          << ", refused holds " << ledger.refused_holds << ", cuts " << stack.proxy.cuts();
  BOOST_TEST_MESSAGE(summary.str());
  std::cout << "[faults] " << summary.str() << std::endl;

  CheckLedgerSettled(ledger);
  BOOST_TEST(ledger.attempts.count(500) == 0, "500s seen: " << ledger.attempts.count(500));
  BOOST_TEST(ledger.holds.size() > 20u, "too little traffic to prove anything");
  DbProbe db(Stack().mysql_socket());  // opened now: MariaDB was restarted meanwhile
  CheckLedgerHolds(db, products, ledger);
  CheckLedgerOrders(db, products, ledger);
  CheckInvariants(db, "after the fault run");
  // GET equals the database, compared a few times around expiries.
  for (int64_t product : products) CheckReadsMatchDatabase(api, db, product, 3000, "after the faults");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
