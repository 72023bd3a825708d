// ClusterStack and the global fixture that owns it (see cluster_stack.h). Protects one property:
// a cluster started by this run is stopped by this run (teardown, or the watchdog if we die).
#include "cluster_stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include "../support/failure_observer.h"

namespace flashsale::ctest {
namespace {

namespace fs = std::filesystem;

// Nothing listens on 127.0.0.1:port and we may bind it.
bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool RangeFree(int first, int count) {
  for (int p = first; p < first + count; ++p) {
    if (!PortFree(p)) return false;
  }
  return true;
}

// A free block of `count` ports below the kernel's ephemeral range (32768 up, by default), so an
// outgoing connection cannot take one of them while the cluster is down for a moment.
int FreeBlock(int count, std::mt19937& rng) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    int first = 20000 + 40 * static_cast<int>(rng() % 300);
    if (RangeFree(first, count)) return first;
  }
  throw std::runtime_error("no free block of " + std::to_string(count) + " loopback ports");
}

ClusterStack g_cluster;

itest::FailureObserver g_observer([](const std::string& case_name) {
  if (!g_cluster.started()) return;
  std::cerr << "\n----- " << case_name << " failed; cluster logs (" << g_cluster.var_dir()
            << ") -----\n"
            << g_cluster.DiagnosticTails() << "----- end of logs -----\n"
            << std::flush;
});

}  // namespace

bool AnyClusterTestFailed() { return g_observer.any_failed(); }

ClusterStack& Cluster() {
  if (!g_cluster.started()) throw std::runtime_error("the test cluster is not running");
  return g_cluster;
}

std::string ClusterStack::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string ClusterStack::pool_url(int i) const {
  return "http://127.0.0.1:" + std::to_string(port_ + 1 + i);
}

std::string ClusterStack::node_socket(int n) const {
  return var_dir_ + "/run/node" + std::to_string(n) + ".sock";
}

std::vector<std::string> ClusterStack::Environment() const {
  std::map<std::string, std::string> env = itest::EnvironmentWithoutFlashsale();
  if (const char* bin = std::getenv("FLASHSALE_BIN_DIR"); bin != nullptr && *bin != '\0') {
    fs::path dir(bin);
    env["FLASHSALE_BIN_DIR"] = (dir.is_absolute() ? dir : fs::path(repo_root_) / dir).string();
  }
  env["FLASHSALE_VAR_DIR"] = var_dir_;
  env["FLASHSALE_HTTP_PORT"] = std::to_string(port_);
  env["FLASHSALE_CLUSTER_BASE_PORT"] = std::to_string(base_port_);
  env["FLASHSALE_CLUSTER_POOLS"] = std::to_string(kPools);
  env["FLASHSALE_EXPIRY_INTERVAL"] = "0";
  env["FLASHSALE_WEBHOOK_SECRET"] = itest::kWebhookSecret;
  env["FLASHSALE_WEBHOOK_SECRET_PREVIOUS"] = itest::kWebhookSecretPrevious;
  env["FLASHSALE_ADMIN_TOKEN"] = itest::kAdminToken;
  env["FLASHSALE_HOLD_TTL_SECONDS"] = std::to_string(itest::kHoldTtlSeconds);
  env["FLASHSALE_WORKERS"] = std::to_string(kWorkersPerPool);
  env["FLASHSALE_ALLOW_DEVELOPMENT_SECRETS"] = "true";
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

itest::CommandResult ClusterStack::Command(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"conf/local/cluster.sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out = var_dir_ + "/tmp/ctest-command-" + std::to_string(++output_seq_) + ".out";
  itest::CommandResult r;
  r.exit_code = itest::WaitExitCode(itest::SpawnToFile(argv, Environment(), repo_root_, out));
  r.output = itest::ReadFile(out);
  ::unlink(out.c_str());
  return r;
}

void ClusterStack::Start() {
  if (started_) return;
  repo_root_ = itest::RepoRoot();
  char tmpl[] = "/tmp/flashsale-ctest.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  var_dir_ = tmpl;
  ::chmod(var_dir_.c_str(), 0755);
  fs::create_directories(var_dir_ + "/tmp");
  std::mt19937 rng(std::random_device{}());
  base_port_ = FreeBlock(40, rng);
  do {
    port_ = FreeBlock(kPools + 1, rng);
  } while (port_ < base_port_ + 40 && port_ + kPools + 1 > base_port_);

  // The watchdog: waits for EOF on a pipe only this process writes to. EOF without a 'q'
  // first means we died without our teardown: it stops the cluster then.
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> stop_env = Environment();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[1]);
    signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the whole process group; we clean up after it
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    char c = 0;
    ssize_t n;
    while ((n = ::read(fds[0], &c, 1)) < 0 && errno == EINTR) {
    }
    if (n == 1 && c == 'q') _exit(0);
    std::string out = var_dir_ + "/tmp/watchdog-stop.out";
    itest::WaitExitCode(
        itest::SpawnToFile({"conf/local/cluster.sh", "stop"}, stop_env, repo_root_, out));
    std::string msg = "[ctest watchdog] test process ended without teardown; cluster stopped, "
                      "state kept in " + var_dir_ + "\n";
    ssize_t ignored = ::write(2, msg.data(), msg.size());
    (void)ignored;
    _exit(0);
  }
  ::close(fds[0]);
  ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  watchdog_pid_ = pid;
  watchdog_fd_ = fds[1];

  itest::CommandResult r = Command({"start"});
  if (r.exit_code != 0) {
    std::string message = "conf/local/cluster.sh start failed (exit " +
                          std::to_string(r.exit_code) + ") in " + var_dir_ + ":\n" + r.output;
    started_ = true;  // so Stop() runs the script's stop
    Stop(/*keep_var_dir=*/true);
    throw std::runtime_error(message);
  }
  started_ = true;
  std::cerr << "[ctest] cluster up on " << base_url() << " (pools on " << port_ + 1 << ".."
            << port_ + kPools << ", ports from " << base_port_ << "), state in " << var_dir_
            << "\n";
}

void ClusterStack::Stop(bool keep_var_dir) {
  if (!started_) return;
  started_ = false;
  itest::CommandResult r = Command({"stop"});
  if (r.exit_code != 0) {
    std::cerr << "[ctest] cluster.sh stop failed (exit " << r.exit_code << "):\n" << r.output;
    keep_var_dir = true;
  }
  if (watchdog_fd_ >= 0) {
    ssize_t ignored = ::write(watchdog_fd_, "q", 1);
    (void)ignored;
    ::close(watchdog_fd_);
    watchdog_fd_ = -1;
    itest::WaitExitCode(watchdog_pid_);
    watchdog_pid_ = 0;
  }
  if (keep_var_dir) {
    std::cerr << "[ctest] cluster stopped; state and logs kept in " << var_dir_ << "\n";
  } else {
    std::error_code ec;
    fs::remove_all(var_dir_, ec);
  }
}

std::string ClusterStack::DiagnosticTails(int lines) const {
  std::vector<std::string> logs;
  for (int i = 0; i < kPools; ++i) logs.push_back("pool" + std::to_string(i) + "/flashsale.log");
  for (const char* name : {"log/nginx-error.log", "log/node1.log", "log/node2.log",
                           "log/node3.log", "log/redis1.log", "log/redis2.log",
                           "log/sentinel1.log"}) {
    logs.push_back(name);
  }
  std::ostringstream out;
  for (const std::string& name : logs) {
    std::string tail = itest::TailOfFile(var_dir_ + "/" + name, lines);
    if (!tail.empty()) out << "==> " << name << " <==\n" << tail << "\n";
  }
  return out.str();
}

void ClusterFixture::setup() {
  boost::unit_test::framework::register_observer(g_observer);
  g_cluster.Start();
}

void ClusterFixture::teardown() {
  const char* keep = std::getenv("FLASHSALE_CTEST_KEEP");
  g_cluster.Stop(AnyClusterTestFailed() || (keep != nullptr && std::string(keep) == "1"));
  boost::unit_test::framework::deregister_observer(g_observer);
}

}  // namespace flashsale::ctest
