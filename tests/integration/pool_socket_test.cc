// The pool's socket (app/process/listener.h): mode, owner and group of the unix socket, a
// group that does not exist refused at start, and listen_allowed_clients on TCP.
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "../support/api.h"
#include "../support/pool_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

struct stat SocketStat() {
  struct stat st {};
  ::stat((Stack().var_dir() + "/run/fcgi.sock").c_str(), &st);
  return st;
}

// A second pool on 127.0.0.1:<port> with `allowed` as listen_allowed_clients; the answer to
// GET /api/health sent to it from 127.0.0.1 ("" when refused), and how long it took. Stops it
// afterwards.
std::string AskTcpPool(const std::string& allowed, int64_t* took_ms) {
  std::string address = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  pid_t pool = Stack().StartCommand({"build/bin/flashsale-fcgi", "--config", "conf/flashsale.conf"},
                                    {{"FLASHSALE_FCGI_LISTEN", address},
                                     {"FLASHSALE_WORKERS", "2"},
                                     {"FLASHSALE_LISTEN_ALLOWED_CLIENTS", allowed}});
  bool up = Eventually(10000, [&] { return ChildrenOf(pool).size() == 2; });
  int64_t start = NowMillis();
  std::string answer = up ? FastCgiGet(address, "/api/health") : "(the TCP pool did not start)";
  *took_ms = NowMillis() - start;
  ::kill(pool, SIGQUIT);
  CommandResult result = Stack().Wait(pool);
  BOOST_TEST(result.exit_code == 0, result.output);
  return answer;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_socket)

BOOST_AUTO_TEST_CASE(mode_owner_and_group) {
  Api api;
  // The default: 0660, the pool's user and group; the stack's nginx (same user) gets in.
  BOOST_TEST((SocketStat().st_mode & 07777) == 0660u);
  BOOST_TEST(SocketStat().st_uid == ::geteuid());
  BOOST_TEST(api.http().Get("/api/health").status == 200);
  {
    ScopedPool pool(EnvOverrides{{"FLASHSALE_LISTEN_MODE", "0600"}});
    BOOST_TEST((SocketStat().st_mode & 07777) == 0600u);
    BOOST_TEST(api.http().Get("/api/health").status == 200);
  }
  // Owner and group: another user only as root; our own group always.
  std::string owner, group = ::getgrgid(::getegid()) ? ::getgrgid(::getegid())->gr_name : "";
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  if (::geteuid() == 0 && ::getpwnam("nobody") != nullptr && ::getgrnam("nogroup") != nullptr) {
    owner = "nobody";
    group = "nogroup";
    uid = ::getpwnam("nobody")->pw_uid;
    gid = ::getgrnam("nogroup")->gr_gid;
  }
  BOOST_TEST_REQUIRE(!group.empty());
  {
    ScopedPool pool({{"FLASHSALE_LISTEN_OWNER", owner}, {"FLASHSALE_LISTEN_GROUP", group}});
    BOOST_TEST(SocketStat().st_uid == uid);
    BOOST_TEST(SocketStat().st_gid == gid);
    BOOST_TEST((SocketStat().st_mode & 07777) == 0660u);
    BOOST_TEST(api.http().Get("/api/health").status == 200);
  }
  BOOST_TEST(SocketStat().st_uid == ::geteuid());
}

// A listen_group that does not exist: the pool does not start (exit 2), it does not listen with
// the wrong group.
BOOST_AUTO_TEST_CASE(an_unknown_group_is_refused) {
  bool started = true;
  try {
    Stack().RestartPool({{"FLASHSALE_LISTEN_GROUP", "no-such-group-flashsale"}});
  } catch (const std::exception& e) {
    started = false;
    BOOST_TEST_MESSAGE("refused as expected: " << std::string(e.what()).substr(0, 300));
  }
  BOOST_TEST(!started, "the pool started with a group that does not exist");
  BOOST_TEST(PoolLogSince(0).find("listen_group: no group no-such-group-flashsale") != std::string::npos);
  Stack().RestartPool();
  BOOST_TEST(Api().http().Get("/api/health").status == 200);
}

// TCP: a client whose address is not listed is disconnected without an answer (php-fpm's
// listen.allowed_clients, libfcgi's FCGI_WEB_SERVER_ADDRS).
BOOST_AUTO_TEST_CASE(allowed_clients_on_tcp) {
  int64_t took = 0;
  std::string refused = AskTcpPool("127.0.0.2", &took);
  BOOST_TEST(refused.empty(), "a client not in listen_allowed_clients got: " << refused);
  // Closed at once by the worker, not left to time out (FastCgiGet waits 5 s for an answer).
  BOOST_TEST(took < 3000, "the refused connection stayed open " << took << " ms");
  std::string allowed = AskTcpPool("10.1.2.3, 127.0.0.1", &took);
  BOOST_TEST(allowed.find("Status: 200") != std::string::npos, "answer: " << allowed);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
