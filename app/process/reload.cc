#include "process/reload.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "process/listener.h"
#include "util/log.h"

extern char** environ;

namespace flashsale::process {
namespace {

constexpr const char* kListenFd = "FLASHSALE_LISTEN_FD";
constexpr const char* kTrustFd = "FLASHSALE_TRUST_FD";
constexpr const char* kOldWorkers = "FLASHSALE_OLD_WORKERS";
constexpr const char* kOldPidFile = "FLASHSALE_OLD_PID_FILE";

int64_t ToMillis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// An environment variable's value as a descriptor number, -1 when absent or not a number.
int FdFrom(const char* value) {
  if (value == nullptr || *value == '\0') return -1;
  char* end = nullptr;
  long n = std::strtol(value, &end, 10);
  return (*end == '\0' && n >= 0 && n < 1 << 20) ? static_cast<int>(n) : -1;
}

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Handover TakeHandover() {
  Handover h;
  const char* listen = std::getenv(kListenFd);
  h.reloaded = listen != nullptr;
  h.listen_fd = FdFrom(listen);
  h.trust_fd = FdFrom(std::getenv(kTrustFd));
  if (const char* old = std::getenv(kOldWorkers)) {
    std::istringstream in(old);
    std::string item;
    while (std::getline(in, item, ',')) {
      long long pid = 0, deadline_ms = 0;
      if (std::sscanf(item.c_str(), "%lld:%lld", &pid, &deadline_ms) == 2 && pid > 1) {
        h.old_workers.push_back(
            {static_cast<pid_t>(pid), Clock::time_point(std::chrono::milliseconds(deadline_ms))});
      }
    }
  }
  if (const char* pid_file = std::getenv(kOldPidFile)) h.old_pid_file = pid_file;
  for (const char* name : {kListenFd, kTrustFd, kOldWorkers, kOldPidFile}) ::unsetenv(name);
  return h;
}

std::string ExecutablePath() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  const std::string deleted = " (deleted)";  // replaced since it started: exec the new file
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0) {
    path.erase(path.size() - deleted.size());
  }
  return path;
}

pid_t StartConfigTest(const std::string& exe, const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  args.push_back("--check-config");
  std::vector<char*> c_args = CStrings(args);
  pid_t pid = fork();
  if (pid != 0) return pid;
  ResetSignalsForExec();
  ::execve(exe.c_str(), c_args.data(), environ);
  const char msg[] = "flashsale-fcgi: reload: cannot exec the binary for the config test\n";
  ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  (void)ignored;
  _exit(127);
}

void ReExec(const std::string& exe, const std::vector<std::string>& argv, const Handover& h) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.push_back(std::string(kListenFd) + "=" + std::to_string(h.listen_fd));
  if (h.trust_fd >= 0) env.push_back(std::string(kTrustFd) + "=" + std::to_string(h.trust_fd));
  std::string old;
  for (const OldWorker& w : h.old_workers) {
    old += (old.empty() ? "" : ",") + std::to_string(w.pid) + ":" + std::to_string(ToMillis(w.deadline));
  }
  env.push_back(std::string(kOldWorkers) + "=" + old);
  if (!h.old_pid_file.empty()) env.push_back(std::string(kOldPidFile) + "=" + h.old_pid_file);

  std::vector<char*> c_args = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  SetInheritable(h.listen_fd, true);
  if (h.trust_fd >= 0) SetInheritable(h.trust_fd, true);
  ::execve(exe.c_str(), c_args.data(), c_env.data());
  int saved = errno;
  SetInheritable(h.listen_fd, false);
  if (h.trust_fd >= 0) SetInheritable(h.trust_fd, false);
  LOG4CPLUS_ERROR(util::ProcessLog(), "reload: cannot exec " << exe << ": " << std::strerror(saved)
                                                             << "; still running the old image");
}

}  // namespace flashsale::process
