#include "process/watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "util/log.h"

namespace flashsale::process {
namespace {

constexpr uint64_t kNsPerSecond = 1000000000ULL;

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The calls a worker blocks in, by number (x86-64); others are shown by number.
const char* SyscallName(long nr) {
#if defined(__x86_64__)
  switch (nr) {
    case 0: return "read";
    case 1: return "write";
    case 7: return "poll";
    case 17: return "pread64";
    case 18: return "pwrite64";
    case 19: return "readv";
    case 20: return "writev";
    case 23: return "select";
    case 35: return "nanosleep";
    case 42: return "connect";
    case 43: return "accept";
    case 44: return "sendto";
    case 45: return "recvfrom";
    case 46: return "sendmsg";
    case 47: return "recvmsg";
    case 61: return "wait4";
    case 74: return "fsync";
    case 75: return "fdatasync";
    case 202: return "futex";
    case 230: return "clock_nanosleep";
    case 232: return "epoll_wait";
    case 271: return "ppoll";
    case 281: return "epoll_pwait";
    case 288: return "accept4";
    default: return nullptr;
  }
#else
  (void)nr;
  return nullptr;
#endif
}

// The descriptor a blocked call waits on: its first argument for the calls that take one, the
// first pollfd's for poll and ppoll (read from the worker's memory); -1 when unknown.
long WaitedFd(pid_t pid, long nr, unsigned long long arg1) {
  const char* name = SyscallName(nr);
  if (name == nullptr) return -1;
  std::string n = name;
  if (n == "poll" || n == "ppoll") {
    int mem = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
    if (mem < 0) return -1;
    struct pollfd first {};
    ssize_t got = ::pread(mem, &first, sizeof first, static_cast<off_t>(arg1));
    ::close(mem);
    return got == static_cast<ssize_t>(sizeof first) ? first.fd : -1;
  }
  for (const char* with_fd : {"read", "write", "pread64", "pwrite64", "readv", "writev", "connect", "accept",
                              "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg", "fsync", "fdatasync",
                              "epoll_wait", "epoll_pwait"}) {
    if (n == with_fd) return static_cast<long>(arg1);
  }
  return -1;
}

}  // namespace

std::string WhereItWaits(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ostringstream out;
  std::string wchan = ReadFirstLine(proc + "/wchan");
  out << "wchan " << (wchan.empty() || wchan == "0" ? "-" : wchan);
  std::string syscall = ReadFirstLine(proc + "/syscall");
  long nr = -1;
  unsigned long long arg1 = 0;
  if (std::sscanf(syscall.c_str(), "%ld 0x%llx", &nr, &arg1) >= 1 && nr >= 0) {
    const char* name = SyscallName(nr);
    out << ", syscall " << (name ? name : std::to_string(nr).c_str());
    long fd = WaitedFd(pid, nr, arg1);
    if (fd >= 0) {
      char target[256] = "";
      ssize_t len = ::readlink((proc + "/fd/" + std::to_string(fd)).c_str(), target, sizeof target - 1);
      out << "(fd " << fd;
      if (len > 0) out << " -> " << std::string(target, static_cast<size_t>(len));
      out << ")";
    }
  } else if (!syscall.empty()) {
    out << ", " << syscall.substr(0, syscall.find(' '));  // "running", or -1: not in a call
  }
  return out.str();
}

RequestWatchdog::RequestWatchdog(const util::Config& config, Scoreboard& board)
    : board_(board),
      slowlog_ns_(static_cast<uint64_t>(config.request_slowlog_timeout) * kNsPerSecond),
      terminate_ns_(static_cast<uint64_t>(config.request_terminate_timeout) * kNsPerSecond),
      logged_start_(board.size(), 0) {}

std::optional<Clock::time_point> RequestWatchdog::Check(Pool& pool) {
  if (!enabled()) return std::nullopt;
  const uint64_t now_ns = MonotonicNs();
  uint64_t next_ns = now_ns + static_cast<uint64_t>(std::chrono::nanoseconds(kWatchInterval).count());
  for (size_t slot = 0; slot < board_.size(); ++slot) {
    WorkerView w = board_.Worker(slot);
    if (w.state != WorkerState::kBusy || w.pid <= 0 || w.request_start_ns == 0 || w.request_end_ns != 0) {
      continue;
    }
    const uint64_t elapsed = now_ns > w.request_start_ns ? now_ns - w.request_start_ns : 0;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(elapsed) / kNsPerSecond);
    const std::string what = (w.method.empty() ? std::string("(not routed yet)") : w.method + " " + w.route);
    if (terminate_ns_ > 0 && elapsed >= terminate_ns_) {
      std::string where = WhereItWaits(w.pid);
      if (pool.Terminate(slot, w.pid)) {
        LOG4CPLUS_ERROR(util::ProcessLog(), "request_terminate_timeout: worker " << w.pid << " " << what
                                                << " running " << seconds << " s; killed (" << where << ")");
      }
      continue;
    }
    if (slowlog_ns_ > 0 && elapsed >= slowlog_ns_ && logged_start_[slot] != w.request_start_ns) {
      logged_start_[slot] = w.request_start_ns;
      board_.NoteSlowRequest();
      LOG4CPLUS_WARN(util::ProcessLog(), "slow request: worker " << w.pid << " " << what << " running "
                                             << seconds << " s; " << WhereItWaits(w.pid));
    }
    for (uint64_t limit : {slowlog_ns_, terminate_ns_}) {
      uint64_t at = w.request_start_ns + limit;
      if (limit > 0 && at > now_ns && at < next_ns) next_ns = at;
    }
  }
  return Clock::now() + std::chrono::nanoseconds(next_ns - now_ns);
}

}  // namespace flashsale::process
