// ClusterStack: the one throwaway local cluster (conf/local/cluster.sh: three Galera nodes, Redis
// with a replica and three Sentinels, several pools behind one nginx) that the whole cluster test
// run talks to.
//
// DESIGN
// As tests/support/test_stack.h does for the integration run: a Boost.Test global fixture
// (main.cc) starts the cluster once, before the first test, in a fresh `mktemp -d` var dir, with
// free loopback ports (nginx's port, one per pool after it, and a block of 40 for Galera, Redis
// and the Sentinels), the expiry loop off and the integration tests' secrets (test_stack.h), so
// tests/support (Api, CheckoutClients, DbProbe, checks) works against it unchanged. It stops the
// cluster after the last test; a watchdog process stops it if this process dies first. When a
// test case fails, the tails of the cluster's logs are printed after it, and the var dir is kept.
//
// Every cluster.sh call runs from the repository root with the caller's environment without any
// FLASHSALE_* variable, plus the cluster's own settings: the same for every call, so a pool that
// `pool-start` restarts has the settings of the others.
//
// Not thread-safe: call it from the test's main thread only.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "../support/test_stack.h"

namespace flashsale::ctest {

inline constexpr int kPools = 3;
inline constexpr int kWorkersPerPool = 4;

class ClusterStack {
 public:
  ClusterStack() = default;
  ClusterStack(const ClusterStack&) = delete;
  ClusterStack& operator=(const ClusterStack&) = delete;

  // Creates the var dir, picks the ports and runs `cluster.sh start`. Throws std::runtime_error
  // with the script's output when it fails.
  void Start();
  // `cluster.sh stop`, then removes the var dir unless keep_var_dir. Idempotent.
  void Stop(bool keep_var_dir);

  bool started() const { return started_; }
  std::string base_url() const;       // http://127.0.0.1:PORT: all pools, round robin
  std::string pool_url(int i) const;  // pool i only (0-based)
  int pools() const { return kPools; }
  int http_port() const { return port_; }
  int base_port() const { return base_port_; }
  // `conf/local/cluster.sh ARGS...`, waited for.
  itest::CommandResult Command(const std::vector<std::string>& args);
  std::string node_socket(int n) const;  // Galera node n (1..3)
  const std::string& var_dir() const { return var_dir_; }
  const std::string& repo_root() const { return repo_root_; }

  // The last `lines` lines of every log of the cluster, for a failure's report.
  std::string DiagnosticTails(int lines = 15) const;

 private:
  std::vector<std::string> Environment() const;

  bool started_ = false;
  std::string repo_root_;
  std::string var_dir_;
  int port_ = 0;
  int base_port_ = 0;
  int output_seq_ = 0;
  pid_t watchdog_pid_ = 0;
  int watchdog_fd_ = -1;
};

// The cluster of this run. REQUIRES: the global fixture has started it (true inside any test).
ClusterStack& Cluster();

// True once any assertion of the run has failed.
bool AnyClusterTestFailed();

// The global fixture (registered in main.cc).
struct ClusterFixture {
  void setup();
  void teardown();
};

}  // namespace flashsale::ctest
