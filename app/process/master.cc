#include "process/master.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "process/listener.h"
#include "process/pidfile.h"
#include "process/pm.h"
#include "process/proctitle.h"
#include "process/signals.h"
#include "process/watchdog.h"
#include "util/log.h"

namespace flashsale::process {
namespace {

using std::chrono::seconds;

void Earliest(std::optional<Clock::time_point>& next, std::optional<Clock::time_point> t) {
  if (t && (!next || *t < *next)) next = t;
}

// The idle worker that has waited longest (dynamic shrinks by that one), or nullopt.
std::optional<size_t> LongestIdle(const Scoreboard& board) {
  std::optional<size_t> best;
  uint64_t best_since = 0;
  for (size_t slot = 0; slot < board.size(); ++slot) {
    WorkerView w = board.Worker(slot);
    if (w.state != WorkerState::kIdle || w.pid <= 0) continue;
    uint64_t since = std::max(w.request_end_ns, w.spawned_ns);
    if (!best || since < best_since) {
      best = slot;
      best_since = since;
    }
  }
  return best;
}

// Counts for pm: workers alive or about to be forked, and the idle ones among them (a worker
// still starting, or wanted and not forked yet, counts as idle: see pm.h).
struct Load {
  int total = 0;
  int idle = 0;
};
Load CountLoad(const Pool& pool, const Scoreboard& board) {
  StateCounts c = board.Count();
  int pending = pool.wanted_empty();
  return Load{pool.running() + pending,
              static_cast<int>(c.idle() + c.Of(WorkerState::kStarting)) + pending};
}

// The reload's config test, a child of the master while it runs.
struct ConfigTest {
  pid_t pid = 0;
  Clock::time_point deadline;
  bool killed = false;
};

int Stop(const util::Config& config, Pool& pool, const Listener& listener, const std::string& pid_file,
         bool now) {
  LOG4CPLUS_INFO(util::ProcessLog(), (now ? "SIGINT: stopping now, killing the workers"
                                          : "stopping: the workers finish their requests"));
  RemoveSocketFile(listener);  // new connections are refused from now on
  pool.StopAll(now ? SIGKILL : SIGQUIT);
  const auto grace = seconds(std::max(kDrainSeconds, config.request_terminate_timeout + 2));
  const Clock::time_point deadline = Clock::now() + grace;
  bool killed = now;
  for (;;) {
    pool.Reap(/*stopping=*/true);
    if (!pool.AnyAlive()) break;
    if (!killed && (TakeMasterSignals().stop_now || Clock::now() >= deadline)) {
      LOG4CPLUS_WARN(util::ProcessLog(), "killing the workers still running");
      pool.SignalAll(SIGKILL);
      killed = true;
    }
    WaitForEvent(-1, killed ? std::nullopt : std::optional<Clock::time_point>(deadline));
  }
  ::close(listener.fd);
  RemovePidFile(pid_file);
  LOG4CPLUS_INFO(util::ProcessLog(), "master " << getpid() << " stopped");
  return 0;
}

}  // namespace

int RunMaster(const util::Config& config, const MasterOptions& options, Scoreboard& board,
              const WorkerMain& worker_main) {
  const PmSettings pm = PmFrom(config);
  if (board.size() < static_cast<size_t>(pm.max_children)) {
    LOG4CPLUS_FATAL(util::ProcessLog(), "scoreboard has " << board.size() << " slots for "
                                                          << pm.max_children << " workers");
    return kExitFatal;
  }
  InstallMasterSignals();
  const Handover& handover = options.handover;
  Listener listener = OpenListener(config, handover.reloaded ? handover.listen_fd : -1);
  if (listener.fd < 0) return kExitFatal;
  if (!ApplySocketPermissions(listener, config) && !listener.inherited) {
    ::close(listener.fd);
    RemoveSocketFile(listener);
    return kExitFatal;
  }
  SetProcTitle("flashsale-fcgi: master process (" + options.config_path + ")", "flashsale-fcgi");
  const std::string pid_file = config.pid_file.empty() ? "" : config.VarPath(config.pid_file);
  if (!pid_file.empty()) WritePidFile(pid_file);
  if (!handover.old_pid_file.empty() && handover.old_pid_file != pid_file) RemovePidFile(handover.old_pid_file);
  board.SetMasterPid(getpid());

  Pool pool(pm.max_children, pm.mode != PmMode::kOndemand, listener.fd, board, worker_main);
  pool.AdoptOldWorkers(handover.old_workers);
  pool.Want(InitialWorkers(pm));
  pool.SpawnDue();
  RequestWatchdog watchdog(config, board);
  if (handover.reloaded) {
    // The new workers exist: now the old ones may go (reload.h).
    pool.QuitOldWorkers();
    LOG4CPLUS_INFO(util::ProcessLog(), "reloaded: master " << getpid() << ", pm " << PmName(pm.mode) << ", "
                                           << pool.running() << " workers started, "
                                           << handover.old_workers.size() << " old workers finishing");
  } else {
    LOG4CPLUS_INFO(util::ProcessLog(), "master " << getpid() << " started " << pool.running()
                                                 << " workers (pm " << PmName(pm.mode) << ", at most "
                                                 << pm.max_children << ")");
  }

  bool connection_waits = false;  // ondemand: the listening socket was readable
  Clock::time_point ondemand_pause_until;
  int spawn_rate = 1;
  bool at_max_children = false;
  Clock::time_point next_tick = Clock::now() + seconds(1);
  ConfigTest test;
  bool trust_marked = false;
  for (;;) {
    MasterSignals sig = TakeMasterSignals();
    bool exec_now = false;
    for (const Exit& e : pool.Reap(/*stopping=*/false)) {
      if (test.pid > 0 && e.pid == test.pid) {
        test.pid = 0;
        if (WIFEXITED(e.status) && WEXITSTATUS(e.status) == 0 && !test.killed) {
          exec_now = true;
        } else if (!test.killed) {
          LOG4CPLUS_ERROR(util::ProcessLog(), "reload refused: the configuration test failed (see above); "
                                              "still running the old configuration");
        }
        continue;
      }
      // An orphan re-parented to us (we are PID 1 in a container).
      LOG4CPLUS_DEBUG(util::ProcessLog(), "reaped pid " << e.pid << " (not a worker)");
    }
    if (sig.stop || sig.stop_now) {
      if (test.pid > 0) ::kill(test.pid, SIGKILL);
      return Stop(config, pool, listener, pid_file, sig.stop_now);
    }
    if (options.trust.fresh_after_reload && !trust_marked && pool.OldGenerationGone()) {
      MarkUntrusted(*options.trust.trust);  // trust_page.h
      trust_marked = true;
    }
    if (sig.reopen) {
      util::ReopenLogs(config.VarPath(config.log_file), config.log_config);
      pool.SignalAll(SIGUSR1);
      LOG4CPLUS_INFO(util::ProcessLog(), "SIGUSR1: log files reopened");
    }
    if (sig.reload) {
      if (test.pid > 0) {
        LOG4CPLUS_INFO(util::ProcessLog(), "reload requested while one is being tested; ignored");
      } else {
        LOG4CPLUS_INFO(util::ProcessLog(), "reload requested: testing the configuration with " << options.executable);
        test = ConfigTest{StartConfigTest(options.executable, options.argv),
                          Clock::now() + seconds(kConfigTestSeconds), false};
        if (test.pid < 0) {
          LOG4CPLUS_ERROR(util::ProcessLog(), "reload refused: cannot fork the configuration test");
          test.pid = 0;
        }
      }
    }
    if (test.pid > 0 && !test.killed && Clock::now() >= test.deadline) {
      LOG4CPLUS_ERROR(util::ProcessLog(), "reload refused: the configuration test took over "
                                              << kConfigTestSeconds << " s; still running the old configuration");
      ::kill(test.pid, SIGKILL);
      test.killed = true;
    }
    if (exec_now) {
      Handover next;
      next.listen_fd = listener.fd;
      next.trust_fd = options.trust.fd;
      const auto grace = seconds((config.request_terminate_timeout > 0 ? config.request_terminate_timeout
                                                                       : kDrainSeconds) + 2);
      next.old_workers = pool.Workers(Clock::now() + grace);
      next.old_pid_file = pid_file;
      LOG4CPLUS_INFO(util::ProcessLog(), "reload: configuration test passed; executing " << options.executable);
      ReExec(options.executable, options.argv, next);  // returns only if exec failed
    }
    if (pool.AllRetired()) {
      LOG4CPLUS_FATAL(util::ProcessLog(), "every worker failed fatally; master exits");
      ::close(listener.fd);
      RemoveSocketFile(listener);
      RemovePidFile(pid_file);
      return kExitFatal;
    }

    // The process manager (pm.h).
    Clock::time_point now = Clock::now();
    std::optional<Clock::time_point> next;
    if (pm.mode == PmMode::kDynamic) {
      if (now >= next_tick) {
        Load load = CountLoad(pool, board);
        DynamicStep step = DynamicTick(pm, load.total, load.idle, spawn_rate);
        if (step.fork > 0) pool.Want(step.fork);
        if (step.retire_one) {
          if (std::optional<size_t> slot = LongestIdle(board)) pool.Retire(*slot);
        }
        if (step.at_max_children && !at_max_children) {
          LOG4CPLUS_WARN(util::ProcessLog(), "pm dynamic: the pool reached workers (" << pm.max_children
                                                 << ", php-fpm's max_children) with too few idle; consider raising it");
        }
        at_max_children = step.at_max_children;
        spawn_rate = step.next_rate;
        next_tick = now + seconds(1);
      }
      Earliest(next, next_tick);
    }
    if (pm.mode == PmMode::kOndemand && connection_waits && now >= ondemand_pause_until) {
      Load load = CountLoad(pool, board);
      if (OndemandShouldFork(pm, load.total, load.idle)) pool.Want(1);
      ondemand_pause_until = now + kOndemandForkPause;
    }
    Earliest(next, pool.SpawnDue());
    Earliest(next, pool.KillOverdueOld());
    Earliest(next, watchdog.Check(pool));
    if (test.pid > 0 && !test.killed) Earliest(next, test.deadline);
    int watch_fd = -1;
    if (pm.mode == PmMode::kOndemand) {
      if (Clock::now() >= ondemand_pause_until) {
        watch_fd = listener.fd;
      } else {
        Earliest(next, ondemand_pause_until);
      }
    }
    connection_waits = WaitForEvent(watch_fd, next);
  }
}

}  // namespace flashsale::process
