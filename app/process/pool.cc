#include "process/pool.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "util/log.h"

namespace flashsale::process {
namespace {

using std::chrono::milliseconds;

constexpr auto kYoungDeath = std::chrono::seconds(2);
constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{10000};

// The wait before the next fork for a slot whose workers died young `young_deaths` times in a
// row: 0 when the last one lived long enough, else 100 ms doubling, capped at 10 s.
milliseconds Backoff(int young_deaths) {
  if (young_deaths <= 0) return milliseconds{0};
  milliseconds delay = kFirstBackoff;
  for (int i = 1; i < young_deaths && delay < kMaxBackoff; ++i) delay *= 2;
  return std::min(delay, kMaxBackoff);
}

std::string Describe(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

Pool::Pool(int slots, bool respawn_on_exit, int listen_fd, Scoreboard& board, WorkerMain worker_main)
    : slots_(static_cast<size_t>(slots)),
      respawn_on_exit_(respawn_on_exit),
      listen_fd_(listen_fd),
      board_(board),
      worker_main_(std::move(worker_main)) {}

void Pool::AdoptOldWorkers(const std::vector<OldWorker>& old) { old_ = old; }

pid_t Pool::Spawn(size_t slot) {
  pid_t master = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: die with the master, and exit now if it died before prctl() took effect. Compared
  // with the master's pid, not with 1: in a container the master itself is PID 1.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != master) _exit(0);
  InstallWorkerSignals();
  _exit(worker_main_(listen_fd_, slot));
}

void Pool::OnWorkerExit(Slot& s, pid_t pid, int status, bool stopping) {
  const size_t index = static_cast<size_t>(&s - slots_.data());
  const Clock::time_point now = Clock::now();
  const bool young = now - s.started < kYoungDeath;
  const bool fatal = WIFEXITED(status) && WEXITSTATUS(status) == kExitFatal;
  const bool planned = (WIFEXITED(status) && WEXITSTATUS(status) == 0) || s.retiring || s.terminated;
  s.pid = 0;
  // A respawn on the scoreboard: a worker that died unasked and is replaced.
  board_.Reaped(index, /*respawn=*/!stopping && !fatal && !planned && s.wanted);
  const bool retiring = s.retiring, terminated = s.terminated;
  s.retiring = s.terminated = false;
  if (stopping) {
    s.wanted = false;
    return;
  }
  if (fatal) {
    s.fatal = true;
    s.wanted = false;
    LOG4CPLUS_ERROR(util::ProcessLog(), "worker " << pid << " " << Describe(status) << "; fatal, not respawned");
    return;
  }
  if (retiring) {
    s.wanted = false;
    LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << pid << " retired");
    return;
  }
  if (terminated || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    // It left by itself (max requests, idle timeout), or the pool killed it for the time its
    // request took: planned, no back-off.
    s.young_deaths = 0;
    s.not_before = now;
    if (!respawn_on_exit_) s.wanted = false;
    LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << pid << " exited"
                                                  << (s.wanted ? "; replacing it" : ""));
    return;
  }
  s.young_deaths = young ? s.young_deaths + 1 : 0;
  milliseconds delay = Backoff(s.young_deaths);
  s.not_before = now + delay;
  if (s.wanted) {
    LOG4CPLUS_WARN(util::ProcessLog(), "worker " << pid << " " << Describe(status) << "; respawning in "
                                                 << delay.count() << " ms");
  } else {
    LOG4CPLUS_WARN(util::ProcessLog(), "worker " << pid << " " << Describe(status));
  }
}

std::vector<Exit> Pool::Reap(bool stopping) {
  std::vector<Exit> unknown;
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    auto it = std::find_if(slots_.begin(), slots_.end(), [pid](const Slot& s) { return s.pid == pid; });
    if (it != slots_.end()) {
      OnWorkerExit(*it, pid, status, stopping);
      continue;
    }
    auto old = std::find_if(old_.begin(), old_.end(), [pid](const OldWorker& w) { return w.pid == pid; });
    if (old != old_.end()) {
      old_.erase(old);
      LOG4CPLUS_DEBUG(util::ProcessLog(), "old worker " << pid << " " << Describe(status)
                                                        << (old_.empty() ? "; old generation gone" : ""));
      continue;
    }
    unknown.push_back({pid, status});
  }
  return unknown;
}

std::optional<Clock::time_point> Pool::SpawnDue() {
  std::optional<Clock::time_point> next;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (!s.wanted || s.pid > 0 || s.fatal) continue;
    Clock::time_point now = Clock::now();
    if (s.not_before <= now) {
      board_.Spawning(i);  // before fork(): the child then owns the slot
      pid_t pid = Spawn(i);
      if (pid > 0) {
        board_.Spawned(i, pid);
        s.pid = pid;
        s.started = now;
        continue;
      }
      board_.Reaped(i, /*respawn=*/false);
      s.young_deaths += 1;
      s.not_before = now + Backoff(s.young_deaths);
      LOG4CPLUS_ERROR(util::ProcessLog(), "fork failed: " << std::strerror(errno) << "; retrying in "
                                                          << Backoff(s.young_deaths).count() << " ms");
    }
    if (!next || s.not_before < *next) next = s.not_before;
  }
  return next;
}

int Pool::Want(int n) {
  int made = 0;
  for (Slot& s : slots_) {
    if (made >= n) break;
    if (s.wanted || s.pid > 0 || s.fatal) continue;
    s.wanted = true;
    ++made;
  }
  return made;
}

bool Pool::Retire(size_t slot) {
  Slot& s = slots_.at(slot);
  if (s.pid <= 0 || s.retiring || s.terminated) return false;
  s.retiring = true;
  s.wanted = false;
  kill(s.pid, SIGQUIT);
  return true;
}

bool Pool::Terminate(size_t slot, pid_t pid) {
  Slot& s = slots_.at(slot);
  if (s.pid <= 0 || s.pid != pid || s.terminated) return false;
  s.terminated = true;
  kill(s.pid, SIGKILL);
  return true;
}

void Pool::QuitOldWorkers() {
  for (const OldWorker& w : old_) kill(w.pid, SIGQUIT);
}

std::optional<Clock::time_point> Pool::KillOverdueOld() {
  std::optional<Clock::time_point> next;
  Clock::time_point now = Clock::now();
  for (OldWorker& w : old_) {
    if (w.deadline <= now) {
      LOG4CPLUS_WARN(util::ProcessLog(), "old worker " << w.pid << " still busy at its deadline; killing it");
      kill(w.pid, SIGKILL);
      w.deadline = now + std::chrono::seconds(1);  // killed: again in a second until reaped
    }
    if (!next || w.deadline < *next) next = w.deadline;
  }
  return next;
}

void Pool::StopAll(int sig) {
  for (Slot& s : slots_) s.wanted = false;
  SignalAll(sig);
}

void Pool::SignalAll(int sig) const {
  for (const Slot& s : slots_) {
    if (s.pid > 0) kill(s.pid, sig);
  }
  for (const OldWorker& w : old_) kill(w.pid, sig);
}

std::vector<OldWorker> Pool::Workers(Clock::time_point deadline) const {
  std::vector<OldWorker> all = old_;
  for (const Slot& s : slots_) {
    if (s.pid > 0) all.push_back({s.pid, deadline});
  }
  return all;
}

int Pool::running() const {
  return static_cast<int>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.pid > 0; }));
}

int Pool::wanted_empty() const {
  return static_cast<int>(std::count_if(slots_.begin(), slots_.end(),
                                        [](const Slot& s) { return s.wanted && s.pid == 0 && !s.fatal; }));
}

bool Pool::AllRetired() const {
  return std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.fatal; });
}

std::vector<pid_t> Pool::RunningPids() const {
  std::vector<pid_t> pids;
  for (const Slot& s : slots_) {
    if (s.pid > 0) pids.push_back(s.pid);
  }
  return pids;
}

}  // namespace flashsale::process
