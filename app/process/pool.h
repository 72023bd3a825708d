// The workers of one master image: slots, forks, reaping, respawn back-off, and the previous
// image's workers (the old generation of a reload).
//
// DESIGN
// `workers` slots (php-fpm's max_children). A slot is running (pid > 0), wanted (the pool
// wants a worker there: it is forked once `not_before` has passed), or empty; or retired for
// good (its worker exited with kExitFatal). What is wanted is the process manager's decision
// (pm.h): static wants every slot, dynamic and ondemand want what the load calls for. Every
// wake-up of the master reaps every exited child (waitpid(-1, WNOHANG) until none is left, so a
// burst of SIGCHLD that the kernel merged into one is handled whole) and forks what is due:
//   - a worker that crashed (a signal, or an exit code other than 0 and kExitFatal) stays
//     wanted; it is forked again at once if it lived kYoungDeath (2 s) or longer, else after
//     100 ms doubling for each further young death of that slot, capped at 10 s (100, 200, 400
//     ms ... 6.4 s, 10 s, 10 s ...): a worker that keeps crashing at start-up is forked about 8
//     times in its first 20 s, then once per 10 s. A failed fork() counts as a young death;
//   - a worker that exited 0 by itself (pm_max_requests reached, or idle past
//     pm_process_idle_timeout) is replaced at once while its slot is wanted (static, dynamic);
//     under ondemand its slot becomes empty;
//   - a worker the pool retired (dynamic: too many idle) leaves its slot empty.
// A pid that is neither a worker nor of the old generation (the config test of a reload, or an
// orphan inherited when the master runs as PID 1 in a container) is handed back to the caller.
// A worker checks right after fork that its parent is still the master (by the master's pid,
// recorded before fork: `getppid() == 1` would be wrong when the master itself is PID 1), and
// dies with it (PR_SET_PDEATHSIG SIGTERM: it finishes its request and exits).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <vector>

#include "process/reload.h"
#include "process/scoreboard.h"
#include "process/signals.h"

namespace flashsale::process {

constexpr int kExitFatal = 2;

// Runs a worker in a freshly forked child: gets the listening socket and its slot on the
// scoreboard (0 .. workers-1, the pool's slot), returns the exit code.
using WorkerMain = std::function<int(int listen_fd, size_t slot)>;

struct Exit {
  pid_t pid = 0;
  int status = 0;
};

class Pool {
 public:
  // `respawn_on_exit`: a worker that exited 0 by itself is replaced (static, dynamic). The
  // board has a slot for each of the pool's: marked on fork and on reap.
  Pool(int slots, bool respawn_on_exit, int listen_fd, Scoreboard& board, WorkerMain worker_main);

  void AdoptOldWorkers(const std::vector<OldWorker>& old);

  // Reaps every exited child; returns the exits of pids the pool does not know.
  std::vector<Exit> Reap(bool stopping);
  // Forks every wanted slot that is due; returns when the earliest one still waiting is due.
  std::optional<Clock::time_point> SpawnDue();

  // Makes up to `n` empty slots wanted; returns how many.
  int Want(int n);
  // Asks the worker of `slot` to exit (SIGQUIT) and leaves its slot empty afterwards.
  bool Retire(size_t slot);
  // Kills the worker of `slot` (SIGKILL: request_terminate_timeout); it is replaced at once
  // while its slot is wanted.
  bool Terminate(size_t slot, pid_t pid);

  // The old generation: SIGQUIT to all (once new workers exist); SIGKILL to those past their
  // deadline, returning the next deadline.
  void QuitOldWorkers();
  std::optional<Clock::time_point> KillOverdueOld();
  bool OldGenerationGone() const { return old_.empty(); }

  // Stop: nothing is wanted any more; `sig` to every worker, old generation included.
  void StopAll(int sig);
  void SignalAll(int sig) const;

  // What a reload hands over: every live child that is a worker, with its deadline (this
  // generation's: `deadline`; the old one's: theirs).
  std::vector<OldWorker> Workers(Clock::time_point deadline) const;

  int running() const;       // workers of this generation alive
  int wanted_empty() const;  // wanted slots waiting for their fork
  bool AnyAlive() const { return running() > 0 || !old_.empty(); }
  bool AllRetired() const;   // every slot failed fatally
  std::vector<pid_t> RunningPids() const;
  int size() const { return static_cast<int>(slots_.size()); }

 private:
  struct Slot {
    pid_t pid = 0;
    Clock::time_point started;
    Clock::time_point not_before;  // back-off: no fork before this
    bool wanted = false;
    bool retiring = false;  // asked to exit by the pool; its slot stays empty
    bool terminated = false;  // killed by the pool (request_terminate_timeout)
    int young_deaths = 0;   // consecutive deaths of this slot's workers before kYoungDeath
    bool fatal = false;
  };

  pid_t Spawn(size_t slot);
  void OnWorkerExit(Slot& s, pid_t pid, int status, bool stopping);

  std::vector<Slot> slots_;
  std::vector<OldWorker> old_;
  bool respawn_on_exit_;
  int listen_fd_;
  Scoreboard& board_;
  WorkerMain worker_main_;
};

}  // namespace flashsale::process
