// The pool's master process: opens the FastCGI socket, forks the workers, keeps them alive.
//
// DESIGN (after nginx's ngx_process_cycle.c)
// Signal handlers only record facts in sig_atomic_t flags; the signals stay blocked except
// inside sigsuspend(), so the master sleeps there and, on every wake-up, recomputes everything
// from its own state (it never relies on which signal woke it):
//   - reap every child that exited (waitpid(-1, WNOHANG) until none is left, so a burst of
//     SIGCHLD that the kernel merged into one is handled whole); a pid that is not a worker
//     (an orphan inherited when the master runs as PID 1 in a container) is reaped and ignored;
//   - every worker slot is in exactly one state: running, waiting for a respawn at a given time
//     (std::optional), or retired (the worker exited with kExitFatal);
//   - fork what is due, then arm ITIMER_REAL for the earliest respawn still waiting, rounded up
//     to at least 1 ms. The timer is only an alarm clock: a respawn is state of its slot, so an
//     early, late or lost SIGALRM can delay it by at most one wake-up, never drop it.
// Respawn back-off, per slot: a worker that lived kYoungDeath (2 s) or longer is replaced at
// once; one that died younger is replaced after 100 ms, doubling for each further young death of
// that slot, capped at 10 s (100, 200, 400 ms ... 6.4 s, 10 s, 10 s ...). A worker that keeps
// crashing at start-up is thus forked about 8 times in its first 20 s, then once per 10 s: no
// fork storm. A failed fork() counts as a young death.
//   SIGTERM (or SIGINT): drain. Every worker gets SIGTERM, finishes its request in flight and
//   exits; the listening socket is shut down so no worker stays blocked in accept(); stragglers
//   get SIGKILL kDrainSeconds later (a steady-clock deadline). The unix socket file is removed.
// Workers die with the master (PR_SET_PDEATHSIG SIGTERM), so nothing outlives the pool. A worker
// checks right after fork that its parent is still the master (by the master's pid, recorded
// before fork: `getppid() == 1` would be wrong when the master itself is PID 1).
#pragma once

#include <cstddef>
#include <functional>

#include "process/scoreboard.h"
#include "util/config.h"

namespace flashsale::process {

constexpr int kExitFatal = 2;
constexpr int kDrainSeconds = 20;

// Runs a worker in a freshly forked child: gets the listening socket and its slot on the
// scoreboard, returns the exit code.
using WorkerMain = std::function<int(int listen_fd, size_t slot)>;

// Returns the process exit code. `board` (created before, with at least as many slots as the
// pool has workers) is kept up to date: each slot is marked on fork and on reap.
int RunMaster(const util::Config& config, Scoreboard& board, const WorkerMain& worker_main);

}  // namespace flashsale::process
