// The master's signals as php-fpm's users send them (app/process/signals.h): SIGUSR1 reopens
// the log file, SIGQUIT and SIGTERM stop after the request in flight, SIGINT stops at once; and
// what shows the pool from outside: process titles and the pidfile.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/pool_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

// Waits for the master to be gone (its supervisor then exits too: exit 0 is not restarted).
bool MasterGone(pid_t master, int64_t timeout_ms) {
  return Eventually(timeout_ms, [&] { return !Alive(master); });
}

// An order held just before its COMMIT in a worker (fault point db.before_commit), the stop
// signal sent to the master, then the worker let go: returns what the client got.
struct HeldOrder {
  int64_t product = 0;
  pid_t worker = 0;
  std::future<HttpResponse> answer;
};
HeldOrder HoldAnOrderBeforeCommit(const Api& api, pid_t master) {
  HeldOrder held;
  held.product = MustCreateProduct(api, 10);
  int64_t hold = MustHold(api, held.product, 2);
  Arm("db.before_commit");
  held.answer = std::async(std::launch::async, [&api, hold] { return api.PostOrder(hold); });
  held.worker = WaitForStoppedChildOf(master, 5000);
  return held;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_signals)

// logrotate renames the file, then sends SIGUSR1: the master and every worker write to a new
// file at the configured path from then on.
BOOST_AUTO_TEST_CASE(sigusr1_reopens_the_log_file) {
  const std::string log = Stack().var_dir() + "/log/pool-usr1.log";
  // The shipped log config with the access line on: every request then leaves a line.
  const std::string props = Stack().var_dir() + "/tmp/log4cplus-access.properties";
  {
    std::string text = ReadFile(Stack().repo_root() + "/conf/log4cplus.properties");
    const std::string off = "log4cplus.logger.flashsale.access=OFF";
    size_t at = text.find(off);
    BOOST_REQUIRE(at != std::string::npos);
    std::ofstream(props) << text.replace(at, off.size(), "log4cplus.logger.flashsale.access=INFO");
  }
  ScopedPool pool(EnvOverrides{{"FLASHSALE_LOG_FILE", "log/pool-usr1.log"},  // relative to var_dir
                               {"FLASHSALE_LOG_CONFIG", props}});
  Api api;
  pid_t master = Stack().PoolMasterPid();
  BOOST_TEST_REQUIRE(master > 0);
  BOOST_TEST(api.http().Get("/api/products/999000001").status == 404);
  BOOST_TEST(Eventually(3000, [&] { return ReadFile(log).find("/api/products/999000001") != std::string::npos; }),
             "the worker does not log to log_file");

  BOOST_TEST_REQUIRE(std::rename(log.c_str(), (log + ".1").c_str()) == 0);
  BOOST_TEST_REQUIRE(::kill(master, SIGUSR1) == 0);
  BOOST_TEST(Eventually(5000, [&] { return ReadFile(log).find("log files reopened") != std::string::npos; }),
             "no new " << log << " with the master's line after SIGUSR1");
  // Every worker has reopened: each request lands in the new file, whichever worker takes it.
  for (int i = 0; i < 2 * kWorkers; ++i) {
    BOOST_TEST(api.http().Get("/api/products/" + std::to_string(999000100 + i)).status == 404);
  }
  bool all_new = Eventually(3000, [&] {
    std::string now = ReadFile(log);
    for (int i = 0; i < 2 * kWorkers; ++i) {
      if (now.find("/api/products/" + std::to_string(999000100 + i)) == std::string::npos) return false;
    }
    return true;
  });
  BOOST_TEST(all_new, "requests after SIGUSR1 missing from the new file:\n" << ReadFile(log));
  BOOST_TEST(ReadFile(log + ".1").find("/api/products/9990001") == std::string::npos,
             "a worker still writes to the renamed file");
  BOOST_TEST(Stack().PoolMasterPid() == master, "SIGUSR1 must not restart the master");
}

// SIGQUIT and SIGTERM: the socket goes at once, the request in flight is answered, then the
// master exits 0 (the stack's supervisor does not restart it).
BOOST_AUTO_TEST_CASE(sigquit_and_sigterm_drain_the_request_in_flight) {
  for (int sig : {SIGQUIT, SIGTERM}) {
    BOOST_TEST_CONTEXT("signal " << sig) {
      ScopedPool pool(EnvOverrides{{"FLASHSALE_FAULT_DIR", FaultDir()}});
      Api api;
      DbProbe db(Stack().mysql_socket());
      pid_t master = Stack().PoolMasterPid();
      BOOST_TEST_REQUIRE(master > 0);
      HeldOrder held = HoldAnOrderBeforeCommit(api, master);
      BOOST_TEST_REQUIRE(held.worker != 0, "no worker stopped before its COMMIT");
      size_t offset = PoolLogSize();
      BOOST_TEST_REQUIRE(::kill(master, sig) == 0);
      const std::string socket = Stack().var_dir() + "/run/fcgi.sock";
      BOOST_TEST(Eventually(3000, [&] { return InodeOf(socket) == 0; }), "the socket file is still there");
      SleepMillis(300);
      BOOST_TEST(Alive(master), "the master did not wait for the request in flight");
      BOOST_TEST(Alive(held.worker), "the worker did not finish its request");
      ::kill(held.worker, SIGCONT);
      HttpResponse r = held.answer.get();
      BOOST_TEST(r.status == 201, r.Describe());
      BOOST_TEST(CountOrders(db, held.product) == 1);
      BOOST_TEST(MasterGone(master, 10000), "the master did not exit after its workers");
      BOOST_TEST(WaitForPoolLog(offset, "master exited normally; not restarted", 5000), PoolLogSince(offset));
      CheckInvariants(db, "stop after draining");
    }
  }
}

// SIGINT: the workers are killed at once, the held request's client gets 502, and nothing of it
// commits (its COMMIT was never sent).
BOOST_AUTO_TEST_CASE(sigint_stops_at_once) {
  ScopedPool pool(EnvOverrides{{"FLASHSALE_FAULT_DIR", FaultDir()}});
  Api api;
  DbProbe db(Stack().mysql_socket());
  pid_t master = Stack().PoolMasterPid();
  BOOST_TEST_REQUIRE(master > 0);
  HeldOrder held = HoldAnOrderBeforeCommit(api, master);
  BOOST_TEST_REQUIRE(held.worker != 0, "no worker stopped before its COMMIT");
  int64_t sent = NowMillis();
  BOOST_TEST_REQUIRE(::kill(master, SIGINT) == 0);
  // A drain would wait for the stopped worker (up to 20 s): stopping now does not.
  BOOST_TEST(MasterGone(master, 3000), "the master still runs 3 s after SIGINT");
  BOOST_TEST_MESSAGE("SIGINT: master gone after " << NowMillis() - sent << " ms");
  BOOST_TEST(Eventually(3000, [&] { return !Alive(held.worker); }), "the worker survived SIGINT");
  if (Alive(held.worker)) ::kill(held.worker, SIGKILL);
  HttpResponse r = held.answer.get();
  BOOST_TEST(r.status == 502, r.Describe());
  BOOST_TEST(r.ErrorCode() == "bad_gateway", r.Describe());
  BOOST_TEST(Eventually(3000, [&] { return CountOrders(db, held.product) == 0; }), "the killed request committed");
  CheckInvariants(db, "stop now");
}

// ps tells master from workers (args and comm); the pidfile names the master, survives a
// reload, and goes when the master stops.
BOOST_AUTO_TEST_CASE(process_titles_and_pidfile) {
  const std::string pid_file = Stack().var_dir() + "/run/pool-master.pid";
  {
    ScopedPool pool(EnvOverrides{{"FLASHSALE_PID_FILE", "run/pool-master.pid"}});
    pid_t master = Stack().PoolMasterPid();
    BOOST_TEST_REQUIRE(master > 0);
    BOOST_TEST(ReadFile(pid_file) == std::to_string(master) + "\n");
    const std::string conf = Stack().repo_root() + "/conf/flashsale.conf";
    BOOST_TEST(Cmdline(master) == "flashsale-fcgi: master process (" + conf + ")");
    BOOST_TEST(Comm(master) == "flashsale-fcgi");
    std::vector<pid_t> workers = Stack().PoolWorkerPids();
    BOOST_TEST_REQUIRE(!workers.empty());
    for (pid_t w : workers) {
      BOOST_TEST(Cmdline(w) == "flashsale-fcgi: worker process");
      BOOST_TEST(Comm(w) == "flashsale-wkr");
    }
    // The master's environment is still readable (the title fitted in argv's own space).
    std::string environ = ReadFile("/proc/" + std::to_string(master) + "/environ");
    BOOST_TEST(environ.find("FLASHSALE_VAR_DIR=" + Stack().var_dir()) != std::string::npos);

    size_t offset = PoolLogSize();
    BOOST_TEST_REQUIRE(::kill(master, SIGUSR2) == 0);
    BOOST_TEST(WaitForPoolLog(offset, "reloaded: master", 15000));
    BOOST_TEST(ReadFile(pid_file) == std::to_string(master) + "\n", "the pidfile changed at a reload");
    BOOST_TEST(Cmdline(master) == "flashsale-fcgi: master process (" + conf + ")");

    BOOST_TEST_REQUIRE(::kill(master, SIGQUIT) == 0);
    BOOST_TEST(MasterGone(master, 10000));
    BOOST_TEST(InodeOf(pid_file) == 0, "the pidfile outlived the master");
  }
  BOOST_TEST(InodeOf(pid_file) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
