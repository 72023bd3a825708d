// The expiry job under faults (part of the `expiry` suite, whose fixture runs the pool with a
// 2 s hold ttl): a run SIGKILLed mid-way keeps the next runs out only for its short lease, and
// every batch it committed is logged (holds_batch_released per batch, in the batch's
// transaction); with Redis down the job falls back to a MariaDB named lock, so it still works
// and two runs still take turns.
#include <signal.h>
#include <sys/types.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <set>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/redis_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

const std::vector<std::string> kJob = {"build/bin/flashsale-release-expired", "--config",
                                       "conf/flashsale.conf"};
constexpr const char* kLockKey = "flashsale:lock:release-expired";
constexpr int kSuiteHoldTtlSeconds = 2;  // the suite's fixture (expiry_test.cc)
// The longest a killed run may keep the others out (its lease), plus slack for a loaded machine.
constexpr int64_t kTakeOverWithinMs = 5000 + 5000;

// `n` holds of one unit each on a new product of stock n, all expired (and still counted in
// `reserved`, since nothing touched the product after they expired).
struct Backlog {
  int64_t product = 0;
  std::set<int64_t> holds;
};

Backlog MustMakeExpiredBacklog(const Api& api, DbProbe& db, int n) {
  Backlog b;
  b.product = MustCreateProduct(api, n);
  int64_t last_expiry = 0;
  const int kParallel = 40;
  for (int done = 0; done < n; done += kParallel) {
    int chunk = std::min(kParallel, n - done);
    std::vector<HttpResponse> answers =
        RunConcurrently(chunk, [&](int) { return api.PostHold(b.product, 1); });
    for (const HttpResponse& r : answers) {
      BOOST_REQUIRE_MESSAGE(r.status == 201, r.Describe());
      b.holds.insert(r.json["hold_id"].asInt64());
      std::optional<int64_t> expires = ParseRfc3339Millis(r.json["expires_at"].asString());
      BOOST_REQUIRE_MESSAGE(expires.has_value(), r.body);
      last_expiry = std::max(last_expiry, *expires);
    }
  }
  SleepUntilMillis(last_expiry + 1000);
  BOOST_REQUIRE_MESSAGE(ReadDbProduct(db, b.product).reserved == n,
                        "the expired holds were released before the job ran");
  return b;
}

int64_t Expired(DbProbe& db, const Backlog& b) { return CountHolds(db, b.product, "expired"); }

// Waits until the count of expired holds has not moved for 500 ms: after a SIGKILL, MariaDB
// finishes (or rolls back) the dead run's last transaction on its own time.
int64_t SettledExpired(DbProbe& db, const Backlog& b) {
  int64_t last = Expired(db, b);
  for (int64_t stable_since = NowMillis(); NowMillis() - stable_since < 500;) {
    SleepMillis(50);
    int64_t now = Expired(db, b);
    if (now != last) stable_since = NowMillis();
    last = now;
  }
  return last;
}

// A job started in the background; killed and collected at scope exit if the test did not
// collect it (an aborted assertion must not leave a stopped process behind).
class BackgroundJob {
 public:
  explicit BackgroundJob(const EnvOverrides& env) : pid_(Stack().StartCommand(kJob, env)) {}
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;
  ~BackgroundJob() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::kill(pid_, SIGCONT);
    Stack().Wait(pid_);
  }
  pid_t pid() const { return pid_; }
  void Signal(int sig) const { ::kill(pid_, sig); }
  // True once the process has ended (a zombie waiting for Wait()).
  bool Exited() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    size_t paren = text.rfind(')');
    return paren == std::string::npos || text.compare(paren + 1, 3, " Z ") == 0;
  }
  CommandResult Wait() {
    CommandResult r = Stack().Wait(pid_);
    pid_ = 0;
    return r;
  }

 private:
  pid_t pid_;
};

// Polls until the job has released at least one hold of the backlog (it is mid-run then, with
// a backlog far bigger than what it releases in the polling interval).
void MustSeeItStart(DbProbe& db, const Backlog& b, BackgroundJob& job) {
  int64_t deadline = NowMillis() + 20000;
  for (;;) {
    bool ended = job.Exited();
    if (Expired(db, b) > 0) return;
    if (ended || NowMillis() > deadline) {
      job.Signal(SIGKILL);
      CommandResult r = job.Wait();
      BOOST_FAIL("the job released nothing (exit " << r.exit_code << "):\n" << r.output);
    }
    SleepMillis(5);
  }
}

// Deletes the job's Redis lock at scope exit, so that a lock left by a killed run (whatever its
// ttl) does not keep the next tests' runs out.
struct ForgetLockOnExit {
  ~ForgetLockOnExit() {
    try {
      RedisProbe(Stack().redis_socket()).Command({"DEL", kLockKey});
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not delete the job lock: " << e.what());
    }
  }
};

// Stops Redis and MariaDB for a test and starts them again (Redis first) at scope exit or on
// Restore(), whatever the test's assertions did. After MariaDB it restarts the pool (with the
// suite's short hold ttl): its workers' connections died with the server, and a hold's first
// call on a dead connection answers 503 (outcome unknown), which later tests must not see.
class Outage {
 public:
  Outage() = default;
  Outage(const Outage&) = delete;
  Outage& operator=(const Outage&) = delete;
  ~Outage() {
    try {
      Restore();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restart what the test stopped: " << e.what());
    }
  }
  void StopRedis() {
    redis_down_ = true;
    Stack().StopRedis();
  }
  void StopDb() {
    db_down_ = true;
    Stack().StopDb();
  }
  void Restore() {
    if (redis_down_) {
      redis_down_ = false;
      Stack().StartRedis();
    }
    if (db_down_) {
      db_down_ = false;
      Stack().StartDb();
      Stack().RestartPool({{"FLASHSALE_HOLD_TTL_SECONDS", std::to_string(kSuiteHoldTtlSeconds)}});
    }
  }

 private:
  bool redis_down_ = false;
  bool db_down_ = false;
};

// Every hold of the backlog that the DB shows released has a hold_released row after `marker`,
// no hold has two, and the holds_batch_released rows after `marker` add up to the hold_released
// rows (of any product: holds left by other suites may expire meanwhile), none of them empty
// or larger than `batch_size`.
void CheckReleasesLogged(DbProbe& db, const Backlog& b, int64_t marker, int64_t batch_size,
                         const std::string& context) {
  BOOST_TEST_CONTEXT(context) {
    int64_t expired = Expired(db, b);
    BOOST_TEST(db.Int("SELECT COUNT(*) FROM metrics_logs WHERE type = 'hold_released' AND id > ? "
                      "AND CAST(JSON_VALUE(payload, '$.product_id') AS SIGNED) = ?",
                      {marker, b.product}) == expired,
               "hold_released rows do not match the released holds");
    BOOST_TEST(db.Int("SELECT COUNT(*) FROM (SELECT JSON_VALUE(payload, '$.hold_id') h "
                      "FROM metrics_logs WHERE type = 'hold_released' AND id > ? "
                      "GROUP BY h HAVING COUNT(*) > 1) twice",
                      {marker}) == 0,
               "a hold was released twice");
    BOOST_TEST(db.Int("SELECT COALESCE(SUM(CAST(JSON_VALUE(payload, '$.released') AS SIGNED)), 0) "
                      "FROM metrics_logs WHERE type = 'holds_batch_released' AND id > ?",
                      {marker}) == db.CountMetrics("hold_released", marker),
               "holds_batch_released rows do not add up to the holds the DB shows released");
    BOOST_TEST(db.Int("SELECT COUNT(*) FROM metrics_logs WHERE type = 'holds_batch_released' "
                      "AND id > ? AND CAST(JSON_VALUE(payload, '$.released') AS SIGNED) "
                      "NOT BETWEEN 1 AND ?",
                      {marker, batch_size}) == 0,
               "a holds_batch_released row is empty or larger than a batch");
    BOOST_TEST(ReadDbProduct(db, b.product).reserved ==
               static_cast<int64_t>(b.holds.size()) - expired);
  }
}

// Runs the job until the whole backlog is released or `within_ms` passes; every run must exit
// 0 (done, or the lock is busy). Returns the time it took.
int64_t RunJobUntilAllReleased(DbProbe& db, const Backlog& b, int64_t within_ms) {
  int64_t start = NowMillis();
  int runs = 0;
  while (Expired(db, b) < static_cast<int64_t>(b.holds.size())) {
    BOOST_REQUIRE_MESSAGE(NowMillis() - start < within_ms,
                          "the backlog was not released within " << within_ms << " ms ("
                              << runs << " runs, " << Expired(db, b) << " of " << b.holds.size()
                              << " released)");
    CommandResult r = Stack().RunExpiryJob();
    ++runs;
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << ":\n" << r.output);
    SleepMillis(200);
  }
  return NowMillis() - start;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(expiry)

BOOST_AUTO_TEST_CASE(a_killed_run_keeps_the_next_out_only_for_its_short_lease) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  ForgetLockOnExit forget;
  const int kHolds = 300;
  Backlog b = MustMakeExpiredBacklog(api, db, kHolds);
  int64_t marker = db.LastMetricsId();

  // One hold per batch: the run needs hundreds of transactions, and is killed after its first.
  BackgroundJob job(EnvOverrides{{"FLASHSALE_EXPIRY_BATCH_SIZE", "1"}});
  MustSeeItStart(db, b, job);
  job.Signal(SIGKILL);
  int64_t killed_at = NowMillis();
  CommandResult killed = job.Wait();
  BOOST_TEST(killed.exit_code == 128 + SIGKILL, killed.output);
  int64_t by_killed_run = SettledExpired(db, b);
  BOOST_TEST_REQUIRE(by_killed_run < kHolds, "the run finished before it was killed");
  BOOST_TEST_MESSAGE("the killed run released " << by_killed_run << " of " << kHolds);

  // The dead run's lock stops blocking within its lease: a run started then does the rest.
  RunJobUntilAllReleased(db, b, kTakeOverWithinMs - (NowMillis() - killed_at));
  BOOST_TEST_MESSAGE("backlog released " << NowMillis() - killed_at << " ms after the kill");
  CheckReleasesLogged(db, b, marker, 500, "after the take-over");
  BOOST_TEST(ReadDbProduct(db, b.product).reserved == 0);
  CheckInvariants(db, "a killed expiry run, then the next");
}

BOOST_AUTO_TEST_CASE(every_batch_a_killed_run_committed_is_logged) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  ForgetLockOnExit forget;
  const int kHolds = 300;
  const int kBatch = 3;
  Backlog b = MustMakeExpiredBacklog(api, db, kHolds);
  int64_t marker = db.LastMetricsId();

  BackgroundJob job(EnvOverrides{{"FLASHSALE_EXPIRY_BATCH_SIZE", std::to_string(kBatch)}});
  MustSeeItStart(db, b, job);
  SleepMillis(20);  // a few batches more, killed wherever it is then
  job.Signal(SIGKILL);
  CommandResult killed = job.Wait();
  BOOST_TEST(killed.exit_code == 128 + SIGKILL, killed.output);
  int64_t by_killed_run = SettledExpired(db, b);
  BOOST_TEST_REQUIRE(by_killed_run < kHolds, "the run finished before it was killed");
  BOOST_TEST_MESSAGE("the killed run released " << by_killed_run << " of " << kHolds);
  CheckReleasesLogged(db, b, marker, kBatch, "after the kill");

  // The next runs finish the work; the log still adds up.
  RedisProbe(Stack().redis_socket()).Command({"DEL", kLockKey});
  RunJobUntilAllReleased(db, b, 20000);
  CheckReleasesLogged(db, b, marker, 500, "after the next runs");
  CheckInvariants(db, "a killed expiry run's batches");
}

BOOST_AUTO_TEST_CASE(with_redis_down_the_job_runs_under_a_mariadb_lock) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  Backlog b = MustMakeExpiredBacklog(api, db, 20);
  int64_t marker = db.LastMetricsId();
  Outage outage;
  outage.StopRedis();
  CommandResult r = Stack().RunExpiryJob();
  BOOST_TEST(r.exit_code == 0, r.output);
  BOOST_TEST(Expired(db, b) == 20, r.output);
  CheckReleasesLogged(db, b, marker, 500, "a run with Redis down");
  BOOST_TEST(db.Str("SELECT GROUP_CONCAT(DISTINCT JSON_VALUE(payload, '$.lock')) FROM metrics_logs "
                    "WHERE type = 'holds_batch_released' AND id > ?",
                    {marker}) == "mariadb");
  BOOST_TEST(ReadDbProduct(db, b.product).reserved == 0);

  // Redis and MariaDB both down: nothing can be done, and the exit status says so.
  outage.StopDb();
  CommandResult down = Stack().RunExpiryJob();
  BOOST_TEST(down.exit_code == 1, down.output);
  outage.Restore();
  DbProbe fresh(Stack().mysql_socket());  // the first one's connection died with the server
  CheckInvariants(fresh, "the expiry job with Redis down");
}

BOOST_AUTO_TEST_CASE(with_redis_down_two_runs_take_turns) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  const int kHolds = 200;
  Backlog b = MustMakeExpiredBacklog(api, db, kHolds);
  int64_t marker = db.LastMetricsId();
  Outage outage;
  outage.StopRedis();

  // The first run is frozen mid-run, holding the MariaDB lock (its session is alive).
  BackgroundJob first(EnvOverrides{{"FLASHSALE_EXPIRY_BATCH_SIZE", "1"}});
  MustSeeItStart(db, b, first);
  first.Signal(SIGSTOP);
  int64_t before_second = SettledExpired(db, b);
  BOOST_TEST_REQUIRE(before_second < kHolds, "the first run finished before it was stopped");

  // A second run finds the lock taken: it exits at once, without error, releasing nothing.
  int64_t start = NowMillis();
  CommandResult second = Stack().RunExpiryJob();
  int64_t took = NowMillis() - start;
  BOOST_TEST(second.exit_code == 0, second.output);
  BOOST_TEST(took < 3000, "the second run took " << took << " ms:\n" << second.output);
  BOOST_TEST(Expired(db, b) == before_second, "the second run worked beside the first");

  // The first one carries on and finishes the backlog.
  first.Signal(SIGCONT);
  CommandResult done = first.Wait();
  BOOST_TEST(done.exit_code == 0, done.output);
  BOOST_TEST(Expired(db, b) == kHolds);
  CheckReleasesLogged(db, b, marker, 1, "two runs with Redis down");
  CheckInvariants(db, "two expiry runs with Redis down");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
