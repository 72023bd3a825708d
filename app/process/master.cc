#include "process/master.h"

#include <fcgiapp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "util/log.h"

namespace flashsale::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kYoungDeath = std::chrono::seconds(2);
constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{10000};

volatile sig_atomic_t g_terminate = 0;

// Every signal only wakes sigsuspend(); the loop then looks at the children and the clock.
void OnSignal(int sig) {
  if (sig == SIGTERM || sig == SIGINT) g_terminate = 1;
}

// One worker slot: running (pid > 0), waiting for a respawn (respawn_at), or retired (fatal).
struct Slot {
  pid_t pid = 0;
  Clock::time_point started;
  std::optional<Clock::time_point> respawn_at;
  int young_deaths = 0;  // consecutive deaths of this slot's workers before kYoungDeath
  bool fatal = false;
};

// The wait before the next respawn of a slot whose workers died young `young_deaths` times in a
// row: 0 when the last one lived long enough, else 100 ms doubling, capped at 10 s.
milliseconds Backoff(int young_deaths) {
  if (young_deaths <= 0) return milliseconds{0};
  milliseconds delay = kFirstBackoff;
  for (int i = 1; i < young_deaths && delay < kMaxBackoff; ++i) delay *= 2;
  return std::min(delay, kMaxBackoff);
}

// Arms ITIMER_REAL to fire at `deadline` (rounded up to whole milliseconds, at least 1 ms from
// now), or disarms it when there is nothing to wait for.
void ArmTimer(std::optional<Clock::time_point> deadline) {
  struct itimerval t {};
  if (deadline) {
    auto wait = std::chrono::ceil<milliseconds>(*deadline - Clock::now());
    long ms = std::max<long>(1, wait.count());
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = (ms % 1000) * 1000;
  }
  setitimer(ITIMER_REAL, &t, nullptr);
}

int OpenListener(const util::Config& config, std::string* unix_path) {
  std::string listen = config.VarPath(config.fcgi_listen);
  bool is_unix = listen.find(':') == std::string::npos;
  if (is_unix) {
    ::unlink(listen.c_str());  // a socket file left by a killed pool
    *unix_path = listen;
  }
  int fd = FCGX_OpenSocket(listen.c_str(), config.fcgi_backlog);
  if (fd < 0) {
    LOG4CPLUS_FATAL(util::ProcessLog(), "cannot listen on " << listen << ": " << std::strerror(errno));
    return -1;
  }
  // nginx's workers may run as another user; the socket's directory is what restricts access.
  if (is_unix) ::chmod(listen.c_str(), 0666);
  LOG4CPLUS_INFO(util::ProcessLog(), "listening on " << listen);
  return fd;
}

// fork(): the child runs the worker and never returns; the parent gets the pid, or -1.
pid_t Spawn(int listen_fd, size_t slot, const WorkerMain& worker_main,
            const sigset_t& original_mask) {
  pid_t master = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: die with the master, and exit now if it died before prctl() took effect. Compared
  // with the master's pid, not with 1: in a container the master itself is PID 1.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != master) _exit(0);
  // Default dispositions for the master's signals, and the mask the master started with (a
  // forked child inherits no interval timer and no pending signal).
  for (int sig : {SIGCHLD, SIGALRM, SIGTERM, SIGINT}) signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  _exit(worker_main(listen_fd, slot));
}

std::string Describe(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with " + std::to_string(WEXITSTATUS(status));
}

class Pool {
 public:
  Pool(size_t workers, int listen_fd, Scoreboard& board, const WorkerMain& worker_main,
       const sigset_t& original_mask)
      : slots_(workers), listen_fd_(listen_fd), board_(board), worker_main_(worker_main),
        original_mask_(original_mask) {
    for (Slot& s : slots_) s.respawn_at = Clock::now();  // due at once: the first start
  }

  // Reaps every child that has exited. While serving, a worker's slot is scheduled for its
  // respawn (or retired); while draining it just becomes empty.
  void Reap(bool draining) {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = std::find_if(slots_.begin(), slots_.end(), [pid](const Slot& s) { return s.pid == pid; });
      if (it == slots_.end()) {
        // Not a worker: an orphan that was re-parented to us (we are PID 1 in a container).
        LOG4CPLUS_DEBUG(util::ProcessLog(), "reaped pid " << pid << " (not a worker), " << Describe(status));
        continue;
      }
      it->pid = 0;
      bool fatal = WIFEXITED(status) && WEXITSTATUS(status) == kExitFatal;
      board_.Reaped(it - slots_.begin(), /*respawn=*/!draining && !fatal);  // scoreboard
      if (draining) continue;
      if (fatal) {
        it->fatal = true;
        LOG4CPLUS_ERROR(util::ProcessLog(), "worker " << pid << " " << Describe(status) << "; fatal, not respawned");
        continue;
      }
      milliseconds delay = ScheduleRespawn(*it, Clock::now() - it->started < kYoungDeath);
      LOG4CPLUS_WARN(util::ProcessLog(), "worker " << pid << " " << Describe(status) << "; respawning in "
                                                   << delay.count() << " ms");
    }
  }

  // Forks every slot whose respawn is due; returns when the earliest one still waiting is due.
  std::optional<Clock::time_point> SpawnDue() {
    std::optional<Clock::time_point> next;
    for (Slot& s : slots_) {
      if (!s.respawn_at) continue;
      Clock::time_point now = Clock::now();
      if (*s.respawn_at <= now) {
        size_t index = &s - slots_.data();
        board_.Spawning(index);  // scoreboard: before fork(), the child then owns the slot
        pid_t pid = Spawn(listen_fd_, index, worker_main_, original_mask_);
        if (pid > 0) {
          board_.Spawned(index, pid);  // scoreboard
          s.pid = pid;
          s.started = now;
          s.respawn_at.reset();
        } else {
          milliseconds delay = ScheduleRespawn(s, true);
          LOG4CPLUS_ERROR(util::ProcessLog(), "fork failed: " << std::strerror(errno) << "; retrying in "
                                                              << delay.count() << " ms");
          board_.Reaped(index, /*respawn=*/false);  // scoreboard
        }
      }
      if (s.respawn_at && (!next || *s.respawn_at < *next)) next = s.respawn_at;
    }
    return next;
  }

  bool AllRetired() const {
    return std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.fatal; });
  }
  bool AnyRunning() const {
    return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.pid > 0; });
  }
  void SignalRunning(int sig) const {
    for (const Slot& s : slots_) {
      if (s.pid > 0) kill(s.pid, sig);
    }
  }
  size_t size() const { return slots_.size(); }

 private:
  // Puts an empty slot into "waiting for a respawn"; returns the back-off chosen.
  static milliseconds ScheduleRespawn(Slot& s, bool died_young) {
    s.young_deaths = died_young ? s.young_deaths + 1 : 0;
    milliseconds delay = Backoff(s.young_deaths);
    s.respawn_at = Clock::now() + delay;
    return delay;
  }

  std::vector<Slot> slots_;
  int listen_fd_;
  Scoreboard& board_;
  const WorkerMain& worker_main_;
  const sigset_t& original_mask_;
};

}  // namespace

int RunMaster(const util::Config& config, Scoreboard& board, const WorkerMain& worker_main) {
  if (board.size() < static_cast<size_t>(config.EffectiveWorkers())) {
    LOG4CPLUS_FATAL(util::ProcessLog(), "scoreboard has " << board.size() << " slots for "
                                                          << config.EffectiveWorkers() << " workers");
    return kExitFatal;
  }
  std::string unix_path;
  int listen_fd = OpenListener(config, &unix_path);
  if (listen_fd < 0) return kExitFatal;

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGALRM}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);

  // Signals stay blocked except inside sigsuspend(), so nothing happens between a check and the
  // sleep: a signal that arrives meanwhile stays pending and ends the next sigsuspend() at once.
  sigset_t block, original, wait_mask;
  sigemptyset(&block);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGALRM}) sigaddset(&block, sig);
  sigprocmask(SIG_BLOCK, &block, &original);
  wait_mask = original;
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGALRM}) sigdelset(&wait_mask, sig);

  Pool pool(config.EffectiveWorkers(), listen_fd, board, worker_main, original);
  ArmTimer(pool.SpawnDue());
  LOG4CPLUS_INFO(util::ProcessLog(), "master " << getpid() << " started " << pool.size() << " workers");

  while (!g_terminate) {
    sigsuspend(&wait_mask);
    pool.Reap(/*draining=*/false);
    if (g_terminate) break;
    if (pool.AllRetired()) {
      LOG4CPLUS_FATAL(util::ProcessLog(), "every worker failed fatally; master exits");
      ArmTimer(std::nullopt);
      ::close(listen_fd);
      if (!unix_path.empty()) ::unlink(unix_path.c_str());
      return kExitFatal;
    }
    ArmTimer(pool.SpawnDue());
  }

  // Drain: pending respawns are dropped, running workers finish their request and exit.
  LOG4CPLUS_INFO(util::ProcessLog(), "shutting down: draining workers");
  pool.SignalRunning(SIGTERM);
  ::shutdown(listen_fd, SHUT_RDWR);  // wakes any worker still blocked in accept()
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(kDrainSeconds);
  bool killed = false;
  for (;;) {
    pool.Reap(/*draining=*/true);
    if (!pool.AnyRunning()) break;
    if (!killed && Clock::now() >= deadline) {
      LOG4CPLUS_WARN(util::ProcessLog(), "drain timeout: killing remaining workers");
      pool.SignalRunning(SIGKILL);
      killed = true;
    }
    ArmTimer(killed ? std::nullopt : std::optional<Clock::time_point>(deadline));
    sigsuspend(&wait_mask);
  }
  ArmTimer(std::nullopt);
  ::close(listen_fd);
  if (!unix_path.empty()) ::unlink(unix_path.c_str());
  LOG4CPLUS_INFO(util::ProcessLog(), "master " << getpid() << " stopped");
  return 0;
}

}  // namespace flashsale::process
