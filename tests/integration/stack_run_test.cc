// Second stacks beside the test stack, each in its own var dir and on its own port:
//   - `make run`'s foreground stack (conf/local/stack.sh run) answers through nginx; Ctrl-C
//     (SIGINT to its process group, as a terminal sends it) stops every process it started;
//   - `stack.sh start` and `restart-fcgi` never take a component they have just spawned for a
//     dead one (the var dir coming from the conf file, as under `make run`).
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/http_client.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

// Live processes whose command line mentions `needle` (zombies have an empty cmdline).
std::vector<std::string> ProcessesMentioning(const std::string& needle) {
  std::vector<std::string> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string cmdline = ReadFile(std::string("/proc/") + e->d_name + "/cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(needle) != std::string::npos) found.push_back(std::string(e->d_name) + ": " + cmdline);
  }
  ::closedir(proc);
  return found;
}

// Live processes of the stack in `var_dir`: the command line mentions it, or the process was
// started with FLASHSALE_VAR_DIR=var_dir (the pool, its supervisor, the expiry loop: their
// command lines do not name the var dir).
std::vector<std::string> ProcessesOfStack(const std::string& var_dir) {
  std::vector<std::string> found = ProcessesMentioning(var_dir);
  const std::string entry = "FLASHSALE_VAR_DIR=" + var_dir + '\0';
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string environ = '\0' + ReadFile(std::string("/proc/") + e->d_name + "/environ");
    if (environ.find('\0' + entry) == std::string::npos) continue;
    std::string cmdline = ReadFile(std::string("/proc/") + e->d_name + "/cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    found.push_back(std::string(e->d_name) + ": " + cmdline + " (by its environment)");
  }
  ::closedir(proc);
  return found;
}

// Waits up to 5 s for every process of the stack in `var_dir` to be gone; returns what is left.
std::string LeftOverProcesses(const std::string& var_dir) {
  std::vector<std::string> left;
  for (int i = 0; i < 50; ++i) {
    left = ProcessesOfStack(var_dir);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::ostringstream listing;
  for (const std::string& p : left) listing << "\n  " << p;
  return listing.str();
}

// The pid in `path`, 0 when missing or not running.
pid_t ReadLivePid(const std::string& path) {
  long pid = 0;
  std::ifstream in(path);
  if (!(in >> pid) || pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) return 0;
  return static_cast<pid_t>(pid);
}

std::string MakeVarDir(const char* prefix) {
  std::string tmpl = std::string("/tmp/") + prefix + ".XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return "";
  ::chmod(tmpl.c_str(), 0755);
  return tmpl;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stack_run)

BOOST_AUTO_TEST_CASE(ctrl_c_stops_everything_the_foreground_stack_started) {
  TestStack& stack = Stack();
  char tmpl[] = "/tmp/flashsale-run.XXXXXX";
  BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string var_dir = tmpl;
  ::chmod(var_dir.c_str(), 0755);
  int port = FreeLoopbackPort();

  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group, like a job in a terminal
    if (::chdir(stack.repo_root().c_str()) != 0) ::_exit(127);
    // Same binaries and secrets as the test stack; only the place and the port differ.
    ::setenv("FLASHSALE_VAR_DIR", var_dir.c_str(), 1);
    ::setenv("FLASHSALE_HTTP_PORT", std::to_string(port).c_str(), 1);
    ::setenv("FLASHSALE_EXPIRY_INTERVAL", "1", 1);  // the expiry loop must stop too
    std::string log = var_dir + ".out";
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out == nullptr || ::dup2(STDOUT_FILENO, STDERR_FILENO) < 0) ::_exit(127);
    ::execl("conf/local/stack.sh", "stack.sh", "run", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);

  HttpClient http("http://127.0.0.1:" + std::to_string(port));
  HttpResponse product;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    product = http.Get("/api/products/1");
    if (product.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  BOOST_CHECK_MESSAGE(product.status == 200, "stack.sh run never answered: " << product.Describe());
  BOOST_TEST(product.body.find("\"name\":\"Flash Sale Item\"") != std::string::npos);
  BOOST_TEST(!ProcessesMentioning(var_dir).empty());  // it really runs from that var dir

  // The pool's master dies: the stack starts a new one (as systemd would in production), and
  // Ctrl-C stops that one too.
  pid_t master = ReadLivePid(var_dir + "/run/fcgi.pid");
  BOOST_TEST(master > 0, "no pool master in " << var_dir << "/run/fcgi.pid");
  if (master > 0 && ::kill(master, SIGKILL) == 0) {
    pid_t restarted = 0;
    long health = 0;
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      restarted = ReadLivePid(var_dir + "/run/fcgi.pid");
      if (restarted > 0 && restarted != master && (health = http.Get("/api/health").status) == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_CHECK_MESSAGE(restarted > 0 && restarted != master && health == 200,
                        "the pool was not restarted after its master was killed (master "
                            << restarted << ", health " << health << ")");
  }

  ::kill(-pid, SIGINT);
  int status = 0;
  bool exited = false;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!exited) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  BOOST_TEST(exited);

  // Give the last children a moment to be gone from /proc, then nothing of that stack may run.
  std::string left = LeftOverProcesses(var_dir);
  BOOST_CHECK_MESSAGE(left.empty(), "processes left after Ctrl-C:" << left);
  BOOST_CHECK_MESSAGE(http.Get("/api/health").status == 0, "nginx still answers after Ctrl-C");

  if (left.empty()) {
    std::string cleanup = "rm -rf '" + var_dir + "' '" + var_dir + ".out'";
    BOOST_TEST(std::system(cleanup.c_str()) == 0);
  }
}

// Reported: `make run` (and `make bench`) sometimes gave up with "fcgi exited during startup"
// although the pool had started. Right after spawn() the recorded pid is a subshell that has not
// exec'd yet; its /proc environ is still the script's own, which lacks FLASHSALE_VAR_DIR when the
// var dir comes from the conf file, as under `make run`. Here the script inherits a few
// thousand descriptors, which every spawned subshell closes one by one before its exec: the
// window lasts tens of milliseconds, so the liveness check falls into it every time.
BOOST_AUTO_TEST_CASE(a_freshly_spawned_component_is_not_taken_for_a_dead_one) {
  TestStack& stack = Stack();
  std::string var_dir = MakeVarDir("flashsale-spawn");
  BOOST_REQUIRE(!var_dir.empty());
  std::string conf = var_dir + ".conf";
  // Copied elsewhere, the file's relative paths would point next to the copy.
  std::ofstream(conf) << ReadFile(stack.repo_root() + "/conf/flashsale.conf") << "\nvar_dir = " << var_dir << "\n"
                      << "sql_dir = " << stack.repo_root() << "/sql\n"
                      << "log_config = " << stack.repo_root() << "/conf/log4cplus.properties\n";
  int port = FreeLoopbackPort();
  EnvOverrides env = {{"FLASHSALE_VAR_DIR", kUnset},
                      {"FLASHSALE_CONFIG", conf},
                      {"FLASHSALE_HTTP_PORT", std::to_string(port)},
                      {"FLASHSALE_WORKERS", "2"}};
  const std::string script =
      "ulimit -n 4096 2>/dev/null; max=$(ulimit -n);"
      "for ((fd = 10; fd < 3000 && fd < max - 64; fd++)); do eval \"exec $fd</dev/null\"; done;"
      "for verb in start restart-fcgi restart-fcgi; do conf/local/stack.sh $verb || exit; done";
  CommandResult r = stack.Run({"bash", "-c", script}, env);
  BOOST_TEST(r.exit_code == 0, r.output);
  BOOST_TEST(r.output.find("exited during startup") == std::string::npos, r.output);
  if (r.exit_code == 0) {
    HttpClient http("http://127.0.0.1:" + std::to_string(port));
    BOOST_TEST(http.Get("/api/health").status == 200);
  }

  CommandResult stop = stack.Run({"conf/local/stack.sh", "stop"}, env);
  BOOST_TEST(stop.exit_code == 0, stop.output);
  std::string left = LeftOverProcesses(var_dir);
  BOOST_CHECK_MESSAGE(left.empty(), "processes left after stack.sh stop:" << left);
  if (left.empty() && r.exit_code == 0) {
    std::string cleanup = "rm -rf '" + var_dir + "' '" + conf + "'";
    BOOST_TEST(std::system(cleanup.c_str()) == 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
