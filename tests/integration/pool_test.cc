// The FastCGI pool under faults, while requests flow: SIGKILLed workers (one, several in quick
// succession, all of them twice within the back-off window) are replaced within a bound; a
// master running as PID 1 (a container) keeps its workers; the API keeps answering, and a
// transaction cut short leaves no trace.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/pool_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

bool Contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

// Milliseconds until the pool has kWorkers live workers, none of them in `gone`; -1 when that
// does not happen within `timeout_ms`.
int64_t MillisUntilFullPool(const std::vector<pid_t>& gone, int64_t timeout_ms) {
  int64_t start = NowMillis();
  for (;;) {
    std::vector<pid_t> now = Stack().PoolWorkerPids();
    bool full = now.size() == static_cast<size_t>(kWorkers) &&
                std::none_of(gone.begin(), gone.end(), [&](pid_t p) { return Contains(now, p); });
    if (full) return NowMillis() - start;
    if (NowMillis() - start > timeout_ms) return -1;
    SleepMillis(20);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool)

BOOST_AUTO_TEST_CASE(a_killed_worker_is_replaced_and_the_api_keeps_answering) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1000000);
  pid_t master = Stack().PoolMasterPid();
  BOOST_TEST_REQUIRE(master > 0);
  std::vector<pid_t> workers = Stack().PoolWorkerPids();
  BOOST_TEST_REQUIRE(workers.size() == static_cast<size_t>(kWorkers),
                     "workers found: " << workers.size());

  Traffic traffic(api, product, 8);
  SleepMillis(300);
  // One worker, then two at once.
  std::vector<std::vector<pid_t>> rounds = {{workers[0]}, {workers[1], workers[2]}};
  for (const std::vector<pid_t>& victims : rounds) {
    for (pid_t victim : victims) BOOST_TEST_REQUIRE(::kill(victim, SIGKILL) == 0);
    bool replaced = Eventually(10000, [&] {
      std::vector<pid_t> now = Stack().PoolWorkerPids();
      if (now.size() != static_cast<size_t>(kWorkers)) return false;
      for (pid_t victim : victims) {
        if (Contains(now, victim)) return false;
      }
      return true;
    });
    BOOST_TEST(replaced, "the master did not bring the pool back to " << kWorkers << " workers");
    SleepMillis(300);
  }
  traffic.Stop();
  BOOST_TEST(Stack().PoolMasterPid() == master, "the master itself changed");

  std::map<long, int> by_status = traffic.by_status();
  std::vector<std::string> failures = traffic.unexpected();  // the first 20
  const size_t failed = static_cast<size_t>(traffic.unexpected_count());
  int ok = by_status[200] + by_status[201];
  BOOST_TEST_MESSAGE("answers during the kills: " << ok << " ok, " << failed << " failed");
  BOOST_TEST(ok > 50, "too few answers while workers were killed: " << ok);
  // Only the requests a killed worker was serving may fail (three workers killed), and only
  // as nginx's JSON 502.
  BOOST_TEST(failed <= 3u, failed << " requests failed; first: " << (failures.empty() ? "" : failures[0]));
  for (const std::string& f : failures) BOOST_TEST(f.find("-> 502 ") != std::string::npos, f);

  // Afterwards every request succeeds.
  for (int i = 0; i < 30; ++i) {
    HttpResponse r = (i % 2 == 0) ? api.PostHold(product, 1) : api.GetProduct(product);
    BOOST_TEST((r.status == 200 || r.status == 201), r.Describe());
  }
  // A hold is in the database only if it committed: at most the failed requests may have
  // committed without their answer reaching us.
  int64_t answered = by_status[201] + 15;
  int64_t in_db = CountHolds(db, product);
  BOOST_TEST(in_db >= answered);
  BOOST_TEST(in_db <= answered + static_cast<int64_t>(failed));
  CheckInvariants(db, "killed workers");
}

// Reported: the pool shrank for good when workers died close together (a respawn scheduled for
// "in 100 ms" never happened, and killing every worker twice within 2 s left one worker for
// over 13 s). Every dead worker must be replaced within a bounded time, whatever the timing.
BOOST_AUTO_TEST_CASE(workers_killed_in_quick_succession_are_all_replaced) {
  constexpr int64_t kBoundMs = 3000;
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1000000);
  BOOST_TEST_REQUIRE(MillisUntilFullPool({}, 10000) >= 0, "the pool is not full to begin with");
  pid_t master = Stack().PoolMasterPid();

  Traffic traffic(api, product, 6);
  SleepMillis(2500);  // every worker is now older than the 2 s "died young" window
  int kills = 0;
  // Two workers, 0.5 s apart.
  std::vector<pid_t> workers = Stack().PoolWorkerPids();
  BOOST_TEST_REQUIRE(workers.size() == static_cast<size_t>(kWorkers));
  BOOST_TEST_REQUIRE(::kill(workers[0], SIGKILL) == 0);
  SleepMillis(500);
  BOOST_TEST_REQUIRE(::kill(workers[1], SIGKILL) == 0);
  kills += 2;
  int64_t ms = MillisUntilFullPool({workers[0], workers[1]}, kBoundMs);
  BOOST_TEST(ms >= 0, "two workers killed 0.5 s apart: the pool did not get back to "
                          << kWorkers << " workers within " << kBoundMs << " ms");
  BOOST_TEST_MESSAGE("two kills 0.5 s apart: full again after " << ms << " ms");

  // Every worker at once (a burst of SIGCHLD), and again as soon as they are back: the second
  // generation dies young, so it is respawned with the back-off, which must stay bounded.
  for (int round = 0; round < 2 && ms >= 0; ++round) {
    std::vector<pid_t> victims = Stack().PoolWorkerPids();
    for (pid_t victim : victims) BOOST_TEST_REQUIRE(::kill(victim, SIGKILL) == 0);
    kills += static_cast<int>(victims.size());
    ms = MillisUntilFullPool(victims, kBoundMs);
    BOOST_TEST(ms >= 0, "all workers killed (round " << round + 1 << "): the pool did not get back to "
                                                     << kWorkers << " workers within " << kBoundMs << " ms");
    BOOST_TEST_MESSAGE("all workers killed, round " << round + 1 << ": full again after " << ms << " ms");
  }
  // No respawn is lost later either: the pool stays full.
  for (int i = 0; i < 10; ++i) {
    SleepMillis(100);
    BOOST_TEST(Stack().PoolWorkerPids().size() == static_cast<size_t>(kWorkers));
  }
  traffic.Stop();
  BOOST_TEST(Stack().PoolMasterPid() == master, "the master itself changed");

  std::map<long, int> by_status = traffic.by_status();
  std::vector<std::string> failures = traffic.unexpected();  // the first 20
  const size_t failed = static_cast<size_t>(traffic.unexpected_count());
  BOOST_TEST(by_status[200] + by_status[201] > 50, "too few answers while workers were killed");
  // Only the requests a killed worker was serving may fail, as nginx's JSON 502.
  BOOST_TEST(failed <= static_cast<size_t>(kills), failed << " requests failed");
  for (const std::string& f : failures) BOOST_TEST(f.find("-> 502 ") != std::string::npos, f);
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = (i % 2 == 0) ? api.PostHold(product, 1) : api.GetProduct(product);
    BOOST_TEST((r.status == 200 || r.status == 201), r.Describe());
  }
  int64_t answered = by_status[201] + 10;
  int64_t in_db = CountHolds(db, product);
  BOOST_TEST(in_db >= answered);
  BOOST_TEST(in_db <= answered + static_cast<int64_t>(failed));
  CheckInvariants(db, "workers killed in quick succession");
}

// Reported: in a container the master is PID 1, and every worker it forked took `getppid() == 1`
// for "my parent died" and exited at once. A second pool, started as PID 1 of a new PID
// namespace against the test stack's MariaDB and Redis on a socket of its own, must keep its
// workers, answer, and reap an orphan it inherits without taking it for a worker.
BOOST_AUTO_TEST_CASE(a_master_running_as_pid_1_keeps_its_workers) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root for unshare --pid");
    return;
  }
  CommandResult probe = Stack().Run({"unshare", "--pid", "--fork", "--mount-proc", "true"});
  if (probe.exit_code != 0) {
    BOOST_TEST_MESSAGE("skipped: unshare --pid --fork --mount-proc is not available: " << probe.output);
    return;
  }
  constexpr int kPid1Workers = 3;
  std::string socket_path = Stack().var_dir() + "/run/pid1-fcgi.sock";
  pid_t unshare = Stack().StartCommand(
      {"unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "build/bin/flashsale-fcgi",
       "--config", "conf/flashsale.conf"},
      {{"FLASHSALE_FCGI_LISTEN", socket_path}, {"FLASHSALE_WORKERS", std::to_string(kPid1Workers)}});
  pid_t master = 0;  // PID 1 inside, its own pid out here
  bool up = Eventually(10000, [&] {
    std::vector<pid_t> children = ChildrenOf(unshare);
    if (children.size() == 1) master = children[0];
    return master != 0 && std::filesystem::exists(socket_path) &&
           ChildrenOf(master).size() == static_cast<size_t>(kPid1Workers);
  });
  BOOST_TEST(up, "the PID 1 pool never had " << kPid1Workers << " workers");

  if (up) {
    // The same workers, all the time: none exits and gets respawned.
    std::vector<pid_t> first = ChildrenOf(master);
    std::sort(first.begin(), first.end());
    for (int i = 0; i < 25; ++i) {
      std::vector<pid_t> now = ChildrenOf(master);
      std::sort(now.begin(), now.end());
      BOOST_TEST(now == first, "the workers of the PID 1 pool changed after " << i * 100 << " ms");
      if (now != first) break;
      SleepMillis(100);
    }
    std::string answer = FastCgiGet(socket_path, "/api/health");
    BOOST_TEST(answer.find("Status: 200") != std::string::npos, "answer: " << answer);
    BOOST_TEST(answer.find("\"database\":\"ok\"") != std::string::npos, "answer: " << answer);

    // An orphan in its namespace becomes its child; it must be reaped and not taken for a worker.
    CommandResult orphan = Stack().Run(
        {"nsenter", "--target", std::to_string(master), "--pid", "--", "sh", "-c", "sleep 0.3 & exit 0"});
    BOOST_TEST(orphan.exit_code == 0, orphan.output);
    SleepMillis(800);
    std::vector<pid_t> after = ChildrenOf(master);
    std::sort(after.begin(), after.end());
    BOOST_TEST(after == first, "the workers changed after an orphan was reaped");
    std::ifstream status("/proc/" + std::to_string(master) + "/status");
    BOOST_TEST(static_cast<bool>(status), "the PID 1 master died");
  }

  if (master != 0) ::kill(master, SIGTERM);
  bool exited = Eventually(25000, [&] {
    std::ifstream in("/proc/" + std::to_string(unshare) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t paren = stat.rfind(')');
    return paren == std::string::npos || stat.compare(paren + 1, 3, " Z ") == 0;
  });
  if (!exited) {
    if (master != 0) ::kill(master, SIGKILL);
    ::kill(unshare, SIGKILL);
  }
  CommandResult result = Stack().Wait(unshare);
  BOOST_TEST(exited, "the PID 1 pool did not stop on SIGTERM");
  BOOST_TEST(result.exit_code == 0, "exit " << result.exit_code << "\n" << result.output);
  BOOST_TEST(result.output.find("started " + std::to_string(kPid1Workers) + " workers") != std::string::npos,
             result.output);
  for (const char* bad : {"exited with", "killed by signal", "respawning"}) {
    BOOST_TEST(result.output.find(bad) == std::string::npos, "the PID 1 pool's log has '" << bad << "':\n"
                                                                 << result.output.substr(0, 3000));
  }
}

// Under the local stack nothing restarted the pool when its master died (systemd does in
// production). SIGKILL the master while requests flow: its workers go with it (no orphan keeps
// serving), the stack brings up a new master with a full pool within seconds, the API answers
// again, and the database is consistent.
BOOST_AUTO_TEST_CASE(a_killed_master_is_restarted_by_the_local_stack) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1000000);
  BOOST_TEST_REQUIRE(MillisUntilFullPool({}, 10000) >= 0, "the pool is not full to begin with");
  pid_t master = Stack().PoolMasterPid();
  std::vector<pid_t> workers = Stack().PoolWorkerPids();
  BOOST_TEST_REQUIRE(master > 0);

  Traffic traffic(api, product, 6);
  SleepMillis(300);
  BOOST_TEST_REQUIRE(::kill(master, SIGKILL) == 0);
  int64_t killed_at = NowMillis();
  bool orphans_gone = Eventually(5000, [&] {
    return std::none_of(workers.begin(), workers.end(), [](pid_t w) {
      std::ifstream in("/proc/" + std::to_string(w) + "/stat");
      std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      size_t paren = stat.rfind(')');
      return paren != std::string::npos && stat.compare(paren + 1, 3, " Z ") != 0;
    });
  });
  BOOST_TEST(orphans_gone, "workers of the killed master are still running");
  pid_t restarted = 0;
  bool back = Eventually(8000, [&] {
    restarted = Stack().PoolMasterPid();
    return restarted > 0 && restarted != master &&
           Stack().PoolWorkerPids().size() == static_cast<size_t>(kWorkers);
  });
  BOOST_TEST_REQUIRE(back, "no new master with " << kWorkers << " workers 8 s after the kill");
  bool answers = Eventually(5000, [&] { return api.GetProduct(product).status == 200; });
  BOOST_TEST(answers, "the API does not answer after the restart");
  BOOST_TEST_MESSAGE("master " << master << " killed; master " << restarted << " serving after "
                               << NowMillis() - killed_at << " ms");
  SleepMillis(500);
  traffic.Stop();

  std::map<long, int> by_status = traffic.by_status();
  std::vector<std::string> failures = traffic.unexpected();  // the first 20
  const size_t failed = static_cast<size_t>(traffic.unexpected_count());
  BOOST_TEST(by_status[200] + by_status[201] > 20, "too few answers around the restart");
  // While no master listens, nginx answers its JSON 502.
  for (const std::string& f : failures) BOOST_TEST(f.find("-> 502 ") != std::string::npos, f);
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = (i % 2 == 0) ? api.PostHold(product, 1) : api.GetProduct(product);
    BOOST_TEST((r.status == 200 || r.status == 201), r.Describe());
  }
  int64_t answered = by_status[201] + 10;
  int64_t in_db = CountHolds(db, product);
  BOOST_TEST(in_db >= answered);
  BOOST_TEST(in_db <= answered + static_cast<int64_t>(failed));
  CheckInvariants(db, "master killed");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
