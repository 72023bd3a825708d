#include "process/master.h"

#include <fcgiapp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "util/log.h"

namespace flashsale::process {
namespace {

volatile sig_atomic_t g_terminate = 0;
volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_alarm = 0;

void OnSignal(int sig) {
  if (sig == SIGCHLD) g_child = 1;
  else if (sig == SIGALRM) g_alarm = 1;
  else g_terminate = 1;
}

struct Slot {
  pid_t pid = 0;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point respawn_at;  // when pid == 0
  bool fatal = false;
};

void SetTimer(std::chrono::milliseconds ms) {
  struct itimerval t {};
  long v = std::max<long>(1, ms.count());
  t.it_value.tv_sec = v / 1000;
  t.it_value.tv_usec = (v % 1000) * 1000;
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

pid_t Spawn(int listen_fd, const WorkerMain& worker_main, const sigset_t& original_mask) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: die with the master, default signal dispositions, the mask the master started with.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) _exit(0);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGALRM, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  _exit(worker_main(listen_fd));
}

}  // namespace

int RunMaster(const util::Config& config, const WorkerMain& worker_main) {
  std::string unix_path;
  int listen_fd = OpenListener(config, &unix_path);
  if (listen_fd < 0) return kExitFatal;

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGALRM}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);

  // Signals stay blocked except inside sigsuspend(), so no flag is set between check and sleep.
  sigset_t block, original, wait_mask;
  sigemptyset(&block);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGALRM}) sigaddset(&block, sig);
  sigprocmask(SIG_BLOCK, &block, &original);
  wait_mask = original;
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGALRM}) sigdelset(&wait_mask, sig);

  using Clock = std::chrono::steady_clock;
  std::vector<Slot> slots(config.EffectiveWorkers());
  for (Slot& s : slots) {
    s.pid = Spawn(listen_fd, worker_main, original);
    s.started = Clock::now();
  }
  LOG4CPLUS_INFO(util::ProcessLog(), "master " << getpid() << " started " << slots.size() << " workers");

  int consecutive_early_deaths = 0;
  while (!g_terminate) {
    sigsuspend(&wait_mask);
    if (g_child) {
      g_child = 0;
      int status = 0;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (Slot& s : slots) {
          if (s.pid != pid) continue;
          s.pid = 0;
          bool fatal = WIFEXITED(status) && WEXITSTATUS(status) == kExitFatal;
          auto lived = Clock::now() - s.started;
          consecutive_early_deaths = lived < std::chrono::seconds(2) ? consecutive_early_deaths + 1 : 0;
          auto delay = std::chrono::milliseconds(
              consecutive_early_deaths == 0 ? 0 : std::min(10000, 100 << std::min(consecutive_early_deaths - 1, 7)));
          s.fatal = fatal;
          s.respawn_at = Clock::now() + delay;
          LOG4CPLUS_WARN(util::ProcessLog(),
                         "worker " << pid << " "
                                   << (WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                                           : "exited with " + std::to_string(WEXITSTATUS(status)))
                                   << (fatal ? "; fatal, not respawned" : "; respawning in " + std::to_string(delay.count()) + " ms"));
        }
      }
    }
    g_alarm = 0;
    // Respawn what is due; arm the timer for what is not.
    auto now = Clock::now();
    std::chrono::milliseconds next_due{0};
    bool any_alive_or_pending = false;
    for (Slot& s : slots) {
      if (s.pid != 0) {
        any_alive_or_pending = true;
        continue;
      }
      if (s.fatal) continue;
      any_alive_or_pending = true;
      if (s.respawn_at <= now) {
        s.pid = Spawn(listen_fd, worker_main, original);
        s.started = Clock::now();
      } else {
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(s.respawn_at - now);
        if (next_due.count() == 0 || wait < next_due) next_due = wait;
      }
    }
    if (next_due.count() > 0) SetTimer(next_due);
    if (!any_alive_or_pending) {
      LOG4CPLUS_FATAL(util::ProcessLog(), "every worker failed fatally; master exits");
      if (!unix_path.empty()) ::unlink(unix_path.c_str());
      return kExitFatal;
    }
  }

  // Drain.
  LOG4CPLUS_INFO(util::ProcessLog(), "shutting down: draining workers");
  for (Slot& s : slots) {
    if (s.pid > 0) kill(s.pid, SIGTERM);
  }
  ::shutdown(listen_fd, SHUT_RDWR);  // wakes any worker still blocked in accept()
  SetTimer(std::chrono::seconds(kDrainSeconds));
  g_alarm = 0;
  auto alive = [&] {
    for (const Slot& s : slots) {
      if (s.pid > 0) return true;
    }
    return false;
  };
  while (alive()) {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      for (Slot& s : slots) {
        if (s.pid == pid) s.pid = 0;
      }
    }
    if (!alive()) break;
    if (g_alarm) {
      LOG4CPLUS_WARN(util::ProcessLog(), "drain timeout: killing remaining workers");
      for (Slot& s : slots) {
        if (s.pid > 0) kill(s.pid, SIGKILL);
      }
      g_alarm = 0;
    }
    g_child = 0;
    sigsuspend(&wait_mask);
  }
  ::close(listen_fd);
  if (!unix_path.empty()) ::unlink(unix_path.c_str());
  LOG4CPLUS_INFO(util::ProcessLog(), "master " << getpid() << " stopped");
  return 0;
}

}  // namespace flashsale::process
