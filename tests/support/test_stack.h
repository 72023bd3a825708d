// TestStack: the one throwaway local stack (MariaDB, Redis, the FastCGI pool, nginx) that the
// whole integration run talks to, driven through conf/local/stack.sh.
//
// DESIGN
// A Boost.Test global fixture starts the stack once, before the first test, in a fresh
// `mktemp -d` var dir on a free loopback port, with the expiry loop off
// (FLASHSALE_EXPIRY_INTERVAL=0: tests run the job themselves) and the test secrets below. It
// stops the stack after the last test, whatever the tests did. A watchdog process forked at
// start stops it too if this process dies without reaching its teardown (crash, SIGKILL,
// Ctrl-C), so no MariaDB or nginx outlives a run.
//
// Every child (stack.sh, the expiry binary, docker-compose) runs from the repository root with
// the stack's environment: the caller's environment without any FLASHSALE_* variable, plus the
// stack's own FLASHSALE_* settings, plus per-call overrides. Nothing here calls setenv, so the
// environment of this process never changes while test threads run.
//
// When a test case fails, the tails of the stack's logs are printed after it.
//
// Not thread-safe: call it from the test's main thread only.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace flashsale::itest {

// What the test stack is configured with; the tests sign and authenticate with these.
inline constexpr const char* kAdminToken = "itest-admin-token-7d1c";
inline constexpr const char* kWebhookSecret = "itest-webhook-secret-4f2a";
inline constexpr const char* kWebhookSecretPrevious = "itest-webhook-previous-91be";
inline constexpr int kHoldTtlSeconds = 120;
inline constexpr int kOrderTtlSeconds = 900;  // conf/flashsale.conf's payment window
inline constexpr int kWorkers = 6;

// Per-call environment changes: NAME -> value, or NAME -> kUnset to remove NAME.
using EnvOverrides = std::map<std::string, std::string>;
inline constexpr const char* kUnset = "\x01unset";

struct CommandResult {
  int exit_code = -1;  // 128 + signal when the child was killed
  std::string output;  // stdout and stderr together
};

class TestStack {
 public:
  TestStack() = default;
  TestStack(const TestStack&) = delete;
  TestStack& operator=(const TestStack&) = delete;

  // Creates the var dir, picks a port and runs `stack.sh start`. Throws std::runtime_error with
  // the script's output when the stack does not answer /api/health.
  void Start();
  // `stack.sh stop`, then removes the var dir unless a test failed or FLASHSALE_ITEST_KEEP=1.
  // Idempotent.
  void Stop(bool keep_var_dir);

  bool started() const { return started_; }
  const std::string& repo_root() const { return repo_root_; }
  const std::string& var_dir() const { return var_dir_; }
  int port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT
  std::string mysql_socket() const { return var_dir_ + "/run/mysqld.sock"; }
  std::string redis_socket() const { return var_dir_ + "/run/redis.sock"; }

  // Runs `conf/local/stack.sh VERB` with the stack's environment plus `extra`.
  CommandResult StackCommand(const std::string& verb, const EnvOverrides& extra = {});

  // Restarts only the pool with the stack's environment plus `extra` (e.g. a short hold ttl);
  // RestartPool({}) goes back to the defaults. Throws when the pool does not come back.
  void RestartPool(const EnvOverrides& extra = {});
  // Restarts only nginx, its config rendered again from the stack's environment plus `extra`
  // (e.g. FLASHSALE_ADMISSION_LIMIT, FLASHSALE_RATE_LIMIT_PER_SECOND); RestartNginx({}) goes back
  // to the defaults. Throws when nginx does not come back.
  void RestartNginx(const EnvOverrides& extra = {});
  void StopRedis();
  void StartRedis();
  void StopDb();
  void StartDb();

  // One run of build/bin/flashsale-release-expired, waited for.
  CommandResult RunExpiryJob(const EnvOverrides& extra = {});
  // Starts `argv` (argv[0] relative to the repo root or absolute) in the background, output to
  // a file; Wait collects it. For running two copies of a binary at once.
  pid_t StartCommand(const std::vector<std::string>& argv, const EnvOverrides& extra = {});
  CommandResult Wait(pid_t pid);
  // Runs `argv` and waits for it.
  CommandResult Run(const std::vector<std::string>& argv, const EnvOverrides& extra = {});

  // The pool's master pid (from $VAR/run/fcgi.pid, which the stack's supervisor of the pool
  // rewrites for every master it starts), 0 when it is not running (also while the supervisor
  // restarts a master that died).
  pid_t PoolMasterPid() const;
  // The live (non-zombie) children of the master.
  std::vector<pid_t> PoolWorkerPids() const;
  // The Redis server's pid ($VAR/run/redis.pid), 0 when unknown.
  pid_t RedisPid() const;

  // Last `lines` lines of $VAR/log/NAME ("" when missing).
  std::string LogTail(const std::string& name, int lines) const;
  // The tails that explain a failure: the pool's log, nginx's error log, the job's output.
  std::string DiagnosticTails() const;

 private:
  std::vector<std::string> Environment(const EnvOverrides& extra) const;
  std::string OutputFile();

  bool started_ = false;
  std::string repo_root_;
  std::string var_dir_;
  int port_ = 0;
  int output_seq_ = 0;
  pid_t watchdog_pid_ = 0;
  int watchdog_fd_ = -1;
  std::map<pid_t, std::string> running_;  // StartCommand pid -> its output file
};

// The stack of this run. REQUIRES: the global fixture has started it (true inside any test).
TestStack& Stack();

// The live (non-zombie) children of `parent`, from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent);

// The whole file at `path`, "" when it cannot be read.
std::string ReadFile(const std::string& path);
// The last `lines` lines of the file at `path` (of its last 256 KiB), "" when it cannot be read.
std::string TailOfFile(const std::string& path, int lines);
// This process's environment without any FLASHSALE_* variable (the developer's own stack
// settings), as a map the stacks add their own settings to.
std::map<std::string, std::string> EnvironmentWithoutFlashsale();

// A loopback port nobody listens on right now: bind port 0, read it, close.
int FreeLoopbackPort();

// The repository root: FLASHSALE_REPO_ROOT, else the nearest parent of the working directory
// holding the project.
std::string RepoRoot();

// fork + exec of `argv` (PATH searched) with exactly `env`, in `cwd`, stdin /dev/null, stdout and
// stderr on `output_path`; returns the pid. WaitExitCode reaps it: the exit code, 128 + signal.
pid_t SpawnToFile(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::string& cwd, const std::string& output_path);
int WaitExitCode(pid_t pid);

// The integration run's global fixture (registered in tests/integration/main.cc): starts the
// stack before the first test, stops it after the last.
struct StackFixture {
  void setup();
  void teardown();
};

// True once any assertion of the run has failed (the teardown keeps the var dir then).
bool AnyTestFailed();

}  // namespace flashsale::itest
