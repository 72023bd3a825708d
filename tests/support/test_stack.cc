// TestStack and the global fixture that owns it (see test_stack.h). Protects one property: a
// stack started by this run is stopped by this run (teardown, or the watchdog if we die).
#include "test_stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "failure_observer.h"

extern char** environ;

namespace flashsale::itest {

namespace fs = std::filesystem;

std::string RepoRoot() {
  if (const char* env = std::getenv("FLASHSALE_REPO_ROOT"); env != nullptr && *env != '\0') {
    return fs::absolute(env).string();
  }
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / "conf/local/stack.sh")) return dir.string();
    if (dir == dir.parent_path()) break;
  }
  // The binary lives in <repo>/build/tests/.
  fs::path exe = fs::read_symlink("/proc/self/exe");
  fs::path guess = exe.parent_path().parent_path().parent_path();
  if (fs::exists(guess / "conf/local/stack.sh")) return guess.string();
  throw std::runtime_error("cannot find the repository root (conf/local/stack.sh); run from it "
                           "or set FLASHSALE_REPO_ROOT");
}

// Where the binaries under test are: $FLASHSALE_BIN_DIR (relative to the repository root, e.g.
// build/sanitize/bin for `make test-sanitize`), else build/bin. The tests name them
// "build/bin/<binary>"; StartCommand and Environment map that to this directory.
namespace {

std::string BinDir(const std::string& repo_root) {
  const char* env = std::getenv("FLASHSALE_BIN_DIR");
  if (env == nullptr || *env == '\0') return repo_root + "/build/bin";
  fs::path dir(env);
  return (dir.is_absolute() ? dir : fs::path(repo_root) / dir).lexically_normal().string();
}

// `arg` with a leading "build/bin/" or an embedded "<repo>/build/bin" pointing at BinDir().
std::string InBinDir(const std::string& arg, const std::string& repo_root) {
  const char* env = std::getenv("FLASHSALE_BIN_DIR");
  if (env == nullptr || *env == '\0') return arg;
  const std::string bin = BinDir(repo_root);
  if (arg.rfind("build/bin/", 0) == 0) return bin + arg.substr(std::strlen("build/bin"));
  std::string out = arg;
  const std::string default_bin = repo_root + "/build/bin";
  for (size_t at = out.find(default_bin); at != std::string::npos;
       at = out.find(default_bin, at + bin.size())) {
    out.replace(at, default_bin.size(), bin);
  }
  return out;
}


}  // namespace

// In a forked child: default signal dispositions and mask, nothing open but 0, 1, 2.
void ResetChildProcessState() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD}) signal(sig, SIG_DFL);
  long max_fd = sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  for (int fd = 3; fd < max_fd; ++fd) ::close(fd);
}

// fork + exec with stdout/stderr on `output_path`, working directory `cwd`. Returns the pid.
pid_t SpawnToFile(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::string& cwd, const std::string& output_path) {
  std::vector<char*> c_argv;
  for (const std::string& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (const std::string& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0 || ::chdir(cwd.c_str()) != 0) _exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ResetChildProcessState();
    ::execvpe(c_argv[0], c_argv.data(), c_env.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
  }
  return pid;
}

int WaitExitCode(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

namespace {
TestStack g_stack;
}  // namespace

// ---------------------------------------------------------------------------------------------
// Failure tracking: log tails after a failed test case, and whether to keep the var dir.
// ---------------------------------------------------------------------------------------------

namespace {

FailureObserver g_observer([](const std::string& case_name) {
  if (!g_stack.started()) return;
  std::cerr << "\n----- " << case_name << " failed; stack logs (" << g_stack.var_dir()
            << "/log) -----\n"
            << g_stack.DiagnosticTails() << "----- end of logs -----\n"
            << std::flush;
});

}  // namespace

bool AnyTestFailed() { return g_observer.any_failed(); }

TestStack& Stack() {
  if (!g_stack.started()) throw std::runtime_error("the test stack is not running");
  return g_stack;
}

// ---------------------------------------------------------------------------------------------
// TestStack
// ---------------------------------------------------------------------------------------------

std::string TestStack::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::map<std::string, std::string> EnvironmentWithoutFlashsale() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string name = entry.substr(0, eq);
    if (name.rfind("FLASHSALE_", 0) == 0) continue;
    env[name] = entry.substr(eq + 1);
  }
  return env;
}

std::vector<std::string> TestStack::Environment(const EnvOverrides& extra) const {
  std::map<std::string, std::string> env = EnvironmentWithoutFlashsale();
  env["FLASHSALE_VAR_DIR"] = var_dir_;
  if (const char* bin = std::getenv("FLASHSALE_BIN_DIR"); bin != nullptr && *bin != '\0') {
    env["FLASHSALE_BIN_DIR"] = BinDir(repo_root_);  // the stack runs these binaries too
  }
  env["FLASHSALE_HTTP_PORT"] = std::to_string(port_);
  env["FLASHSALE_EXPIRY_INTERVAL"] = "0";
  env["FLASHSALE_WEBHOOK_SECRET"] = kWebhookSecret;
  env["FLASHSALE_WEBHOOK_SECRET_PREVIOUS"] = kWebhookSecretPrevious;
  env["FLASHSALE_ADMIN_TOKEN"] = kAdminToken;
  env["FLASHSALE_HOLD_TTL_SECONDS"] = std::to_string(kHoldTtlSeconds);
  env["FLASHSALE_WORKERS"] = std::to_string(kWorkers);
  // A local stack (db_password is conf/flashsale.conf's): stack.sh sets this for what it starts;
  // binaries a test starts itself need it too.
  env["FLASHSALE_ALLOW_DEVELOPMENT_SECRETS"] = "true";
  for (const auto& [name, value] : extra) {
    if (value == kUnset) {
      env.erase(name);
    } else {
      env[name] = name == "PATH" ? InBinDir(value, repo_root_) : value;
    }
  }
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::string TestStack::OutputFile() {
  return var_dir_ + "/tmp/itest-command-" + std::to_string(++output_seq_) + ".out";
}

pid_t TestStack::StartCommand(const std::vector<std::string>& argv, const EnvOverrides& extra) {
  std::string out = OutputFile();
  std::vector<std::string> args;
  for (const std::string& a : argv) args.push_back(InBinDir(a, repo_root_));
  pid_t pid = SpawnToFile(args, Environment(extra), repo_root_, out);
  running_[pid] = out;
  return pid;
}

CommandResult TestStack::Wait(pid_t pid) {
  CommandResult result;
  result.exit_code = WaitExitCode(pid);
  auto it = running_.find(pid);
  if (it != running_.end()) {
    result.output = ReadFile(it->second);
    ::unlink(it->second.c_str());
    running_.erase(it);
  }
  return result;
}

CommandResult TestStack::Run(const std::vector<std::string>& argv, const EnvOverrides& extra) {
  return Wait(StartCommand(argv, extra));
}

CommandResult TestStack::StackCommand(const std::string& verb, const EnvOverrides& extra) {
  return Run({"conf/local/stack.sh", verb}, extra);
}

void TestStack::Start() {
  if (started_) return;
  repo_root_ = RepoRoot();
  char tmpl[] = "/tmp/flashsale-itest.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  var_dir_ = tmpl;
  ::chmod(var_dir_.c_str(), 0755);  // nginx workers may run as another user
  fs::create_directories(var_dir_ + "/tmp");
  port_ = FreeLoopbackPort();

  // The watchdog: waits for EOF on a pipe only this process writes to. EOF without a 'q'
  // first means we died without our teardown: it stops the stack then.
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> stop_env = Environment({});
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
    pid_t stop = SpawnToFile({"conf/local/stack.sh", "stop"}, stop_env, repo_root_, out);
    WaitExitCode(stop);
    std::string msg = "[itest watchdog] test process ended without teardown; stack stopped, "
                      "state kept in " + var_dir_ + "\n";
    ssize_t ignored = ::write(2, msg.data(), msg.size());
    (void)ignored;
    _exit(0);
  }
  ::close(fds[0]);
  ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  watchdog_pid_ = pid;
  watchdog_fd_ = fds[1];

  CommandResult r = StackCommand("start");
  if (r.exit_code != 0) {
    std::string message = "conf/local/stack.sh start failed (exit " +
                          std::to_string(r.exit_code) + ") in " + var_dir_ + ":\n" + r.output;
    started_ = true;  // so Stop() runs the script's stop
    Stop(/*keep_var_dir=*/true);
    throw std::runtime_error(message);
  }
  started_ = true;
  std::cerr << "[itest] stack up on " << base_url() << ", state in " << var_dir_ << "\n";
}

void TestStack::Stop(bool keep_var_dir) {
  if (!started_) return;
  started_ = false;
  CommandResult r = StackCommand("stop");
  if (r.exit_code != 0) {
    std::cerr << "[itest] stack.sh stop failed (exit " << r.exit_code << "):\n" << r.output;
    keep_var_dir = true;
  }
  if (watchdog_fd_ >= 0) {
    ssize_t ignored = ::write(watchdog_fd_, "q", 1);
    (void)ignored;
    ::close(watchdog_fd_);
    watchdog_fd_ = -1;
    WaitExitCode(watchdog_pid_);
    watchdog_pid_ = 0;
  }
  if (keep_var_dir) {
    std::cerr << "[itest] stack stopped; state and logs kept in " << var_dir_ << "\n";
  } else {
    std::error_code ec;
    fs::remove_all(var_dir_, ec);
  }
}

void TestStack::RestartPool(const EnvOverrides& extra) {
  CommandResult r = StackCommand("restart-fcgi", extra);
  if (r.exit_code != 0) {
    throw std::runtime_error("stack.sh restart-fcgi failed (exit " +
                             std::to_string(r.exit_code) + "):\n" + r.output);
  }
}

void TestStack::RestartNginx(const EnvOverrides& extra) {
  CommandResult r = StackCommand("restart-nginx", extra);
  if (r.exit_code != 0) {
    throw std::runtime_error("stack.sh restart-nginx failed (exit " +
                             std::to_string(r.exit_code) + "):\n" + r.output);
  }
}

namespace {
void RequireOk(const CommandResult& r, const std::string& what) {
  if (r.exit_code != 0) {
    throw std::runtime_error("stack.sh " + what + " failed (exit " +
                             std::to_string(r.exit_code) + "):\n" + r.output);
  }
}
}  // namespace

void TestStack::StopRedis() { RequireOk(StackCommand("stop-redis"), "stop-redis"); }
void TestStack::StartRedis() { RequireOk(StackCommand("start-redis"), "start-redis"); }
void TestStack::StopDb() { RequireOk(StackCommand("stop-db"), "stop-db"); }
void TestStack::StartDb() { RequireOk(StackCommand("start-db"), "start-db"); }

CommandResult TestStack::RunExpiryJob(const EnvOverrides& extra) {
  return Run({"build/bin/flashsale-release-expired", "--config", "conf/flashsale.conf"}, extra);
}

namespace {
pid_t ReadPidFile(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  if (::kill(static_cast<pid_t>(pid), 0) != 0) return 0;
  return static_cast<pid_t>(pid);
}
}  // namespace

pid_t TestStack::PoolMasterPid() const { return ReadPidFile(var_dir_ + "/run/fcgi.pid"); }
pid_t TestStack::RedisPid() const { return ReadPidFile(var_dir_ + "/run/redis.pid"); }

std::vector<pid_t> TestStack::PoolWorkerPids() const {
  pid_t master = PoolMasterPid();
  return master == 0 ? std::vector<pid_t>{} : ChildrenOf(master);
}

std::string TailOfFile(const std::string& path, int lines) {
  std::string text = ReadFile(path);
  if (text.size() > 256 * 1024) text.erase(0, text.size() - 256 * 1024);
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
  }
  return (pos == std::string::npos || pos == 0) ? text : text.substr(pos + 1);
}

std::string TestStack::LogTail(const std::string& name, int lines) const {
  return TailOfFile(var_dir_ + "/log/" + name, lines);
}

std::string TestStack::DiagnosticTails() const {
  std::ostringstream out;
  for (auto [name, lines] : {std::pair<const char*, int>{"flashsale.log", 40},
                             {"nginx-error.log", 10},
                             {"mariadb.log", 8},
                             {"redis.log", 5}}) {
    std::string tail = LogTail(name, lines);
    if (tail.empty()) continue;
    out << "==> " << name << " <==\n" << tail;
    if (tail.back() != '\n') out << '\n';
  }
  return out.str();
}

// ---------------------------------------------------------------------------------------------
// The global fixture
// ---------------------------------------------------------------------------------------------

void StackFixture::setup() {
  boost::unit_test::framework::register_observer(g_observer);
  g_stack.Start();
}

void StackFixture::teardown() {
  const char* keep = std::getenv("FLASHSALE_ITEST_KEEP");
  g_stack.Stop(AnyTestFailed() || (keep != nullptr && std::string(keep) == "1"));
  boost::unit_test::framework::deregister_observer(g_observer);
}
int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind: " + std::string(std::strerror(errno)));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadFile(entry.path().string() + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 1));
    char state = 0;
    long ppid = 0;
    if ((rest >> state >> ppid) && ppid == parent && state != 'Z' && state != 'X') {
      children.push_back(std::stoi(name));
    }
  }
  return children;
}

}  // namespace flashsale::itest
