// The graceful reload (SIGUSR2, SIGHUP; app/process/reload.h) under load: no request is lost,
// the master keeps its pid and its socket, a new binary and a new config are taken, a config
// that fails its test leaves the old pool serving, and a request in flight in an old worker is
// answered.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/pool_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

namespace fs = std::filesystem;

std::string ReloadDir() { return Stack().var_dir() + "/tmp/reload"; }
std::string ReloadConf() { return ReloadDir() + "/flashsale.conf"; }
std::string SocketPath() { return Stack().var_dir() + "/run/fcgi.sock"; }

// conf/flashsale.conf plus `extra` lines, as the pool's config file.
void WriteConf(const std::string& extra) {
  std::ifstream in(Stack().repo_root() + "/conf/flashsale.conf");
  std::ostringstream text;
  // Copied elsewhere, the file's relative paths would point next to the copy.
  text << in.rdbuf() << "\n# pool_reload test\nlog_config = " << Stack().repo_root()
       << "/conf/log4cplus.properties\nsql_dir = " << Stack().repo_root() << "/sql\n" << extra;
  std::ofstream(ReloadConf() + ".tmp") << text.str();
  fs::rename(ReloadConf() + ".tmp", ReloadConf());
}

// A new copy of the binary at the path the pool runs it from: a new inode, as `make install`
// or a package upgrade leaves it. Returns the new file's inode.
ino_t InstallBinary() {
  std::string target = ReloadDir() + "/bin/flashsale-fcgi";
  fs::copy_file(BinaryDir() + "/flashsale-fcgi", target + ".new", fs::copy_options::overwrite_existing);
  fs::rename(target + ".new", target);
  return InodeOf(target);
}

// The pool run from a binary and config of its own, which the tests replace and edit.
struct ReloadablePool {
  ReloadablePool() {
    fs::create_directories(ReloadDir() + "/bin");
    InstallBinary();
    WriteConf("workers = 6\n");
    // The worker count comes from the file, so that a reload can change it.
    pool = std::make_unique<ScopedPool>(EnvOverrides{{"FLASHSALE_BIN_DIR", ReloadDir() + "/bin"},
                                                     {"FLASHSALE_CONFIG", ReloadConf()},
                                                     {"FLASHSALE_WORKERS", kUnset},
                                                     {"FLASHSALE_FAULT_DIR", FaultDir()}});
  }
  std::unique_ptr<ScopedPool> pool;
};

// SIGUSR2 (or `sig`) to the master; true once the new image says it reloaded.
bool Reload(pid_t master, int sig = SIGUSR2) {
  size_t offset = PoolLogSize();
  if (::kill(master, sig) != 0) return false;
  return WaitForPoolLog(offset, "reloaded: master " + std::to_string(master), 15000);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_reload)

// 20 reloads, every other one with a new binary, the others with a changed config, while
// client threads send holds and reads through nginx.
BOOST_AUTO_TEST_CASE(twenty_reloads_under_load_lose_no_request) {
  ReloadablePool reloadable;
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1000000);
  pid_t master = Stack().PoolMasterPid();
  BOOST_TEST_REQUIRE(master > 0);
  const ino_t socket_inode = InodeOf(SocketPath());
  BOOST_TEST_REQUIRE(socket_inode != 0);

  Traffic traffic(api, product, 8);
  SleepMillis(300);
  int reloads = 0;
  size_t workers = 6;
  for (int i = 0; i < 20; ++i) {
    ino_t binary = 0;
    if (i % 2 == 0) {
      binary = InstallBinary();
    } else {
      // A config change the pool shows: its worker count (the last one leaves 5).
      workers = i % 4 == 1 ? 4 : 5;
      WriteConf("workers = " + std::to_string(workers) + "\n");
    }
    bool reloaded = Reload(master, i % 3 == 2 ? SIGHUP : SIGUSR2);
    BOOST_TEST(reloaded, "reload " << i + 1 << ": no \"reloaded\" line from the master");
    if (!reloaded) break;
    ++reloads;
    BOOST_TEST(Stack().PoolMasterPid() == master, "reload " << i + 1 << ": the master's pid changed");
    BOOST_TEST(InodeOf(SocketPath()) == socket_inode, "reload " << i + 1 << ": the socket was re-created");
    if (binary != 0) {
      BOOST_TEST(InodeOf("/proc/" + std::to_string(master) + "/exe") == binary,
                 "reload " << i + 1 << ": the master does not run the new binary");
    }
    // The old workers finish and go while the load goes on (a connection always waiting must
    // not keep them from seeing their SIGQUIT).
    BOOST_TEST(Eventually(8000, [&] { return Stack().PoolWorkerPids().size() == workers; }),
               "reload " << i + 1 << ": " << Stack().PoolWorkerPids().size() << " workers, not " << workers);
  }
  SleepMillis(500);
  traffic.Stop();

  std::map<long, int> by_status = traffic.by_status();
  BOOST_TEST_MESSAGE(reloads << " reloads under load: " << by_status[201] << " holds, " << by_status[200]
                             << " reads, " << traffic.unexpected_count() << " other answers");
  BOOST_TEST(reloads == 20);
  BOOST_TEST(by_status[200] + by_status[201] > 200, "too few answers during the reloads");
  BOOST_TEST(traffic.unexpected_count() == 0, "answers other than 200/201 JSON (502: a lost request)");
  for (const std::string& u : traffic.unexpected()) BOOST_TEST_MESSAGE("  " << u);
  BOOST_TEST(Stack().PoolWorkerPids().size() == 5u, "the last config asked for 5 workers");
  BOOST_TEST(Cmdline(master).rfind("flashsale-fcgi: master process (" + ReloadConf() + ")", 0) == 0,
             Cmdline(master));
  // Every answered hold exists, and nothing else (no request failed).
  BOOST_TEST(CountHolds(db, product) == by_status[201]);
  CheckInvariants(db, "20 reloads under load");
}

// A config the new binary refuses: the master logs why, keeps its workers and its config.
BOOST_AUTO_TEST_CASE(a_config_that_fails_its_test_keeps_the_old_pool) {
  ReloadablePool reloadable;
  Api api;
  pid_t master = Stack().PoolMasterPid();
  BOOST_TEST_REQUIRE(master > 0);
  std::vector<pid_t> workers = Stack().PoolWorkerPids();
  std::sort(workers.begin(), workers.end());
  for (const char* bad : {"no_such_key = 1\n", "db_lock_wait_timeout = 50\n", "pm = sometimes\n"}) {
    BOOST_TEST_CONTEXT(bad) {
      WriteConf(std::string("workers = 6\n") + bad);
      size_t offset = PoolLogSize();
      BOOST_TEST_REQUIRE(::kill(master, SIGUSR2) == 0);
      BOOST_TEST(WaitForPoolLog(offset, "reload refused", 15000), PoolLogSince(offset));
      SleepMillis(300);
      std::vector<pid_t> now = Stack().PoolWorkerPids();
      std::sort(now.begin(), now.end());
      BOOST_TEST(now == workers, "the workers were replaced by a refused reload");
      BOOST_TEST(Stack().PoolMasterPid() == master);
      BOOST_TEST(api.http().Get("/api/health").status == 200);
    }
  }
  WriteConf("workers = 6\n");
  BOOST_TEST(Reload(master), "a good config after the bad ones is taken");
}

// A request in flight in a worker when the reload comes: that worker (now of the old
// generation) answers it, then exits; the new workers serve meanwhile. The request is an order
// (its transaction ends with a COMMIT of its own), held just before that COMMIT.
BOOST_AUTO_TEST_CASE(an_old_worker_finishes_its_request) {
  ReloadablePool reloadable;
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 100);
  int64_t hold = MustHold(api, product, 3);
  pid_t master = Stack().PoolMasterPid();
  BOOST_TEST_REQUIRE(master > 0);

  Arm("db.before_commit");
  auto inflight = std::async(std::launch::async, [&] { return api.PostOrder(hold); });
  pid_t old_worker = WaitForStoppedChildOf(master, 5000);
  BOOST_TEST_REQUIRE(old_worker != 0, "no worker stopped before its COMMIT");
  BOOST_TEST(Reload(master));
  // New workers answer while the old one is still in its request.
  BOOST_TEST(api.http().Get("/api/health").status == 200);
  BOOST_TEST(MustGetProduct(api, product).available == 97);
  BOOST_TEST(Alive(old_worker), "the old worker did not wait for its request");
  ::kill(old_worker, SIGCONT);
  HttpResponse r = inflight.get();
  BOOST_TEST(r.status == 201, r.Describe());
  BOOST_TEST(CountOrders(db, product) == 1);
  BOOST_TEST(Eventually(5000, [&] { return !Alive(old_worker); }), "the old worker did not exit");
  CheckInvariants(db, "an old worker finishing its request across a reload");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
