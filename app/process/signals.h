// Signals of the pool, as php-fpm's users know them.
//
//   master   SIGUSR2, SIGHUP   reload: test the config with the (new) binary, re-exec in place
//            SIGUSR1           reopen the log file, and pass it on to every worker
//            SIGQUIT, SIGTERM  stop after draining: workers finish their request and exit
//            SIGINT            stop now: workers are killed at once
//            SIGCHLD           a child exited (reaped in the loop)
//   worker   SIGQUIT, SIGTERM  finish the request in flight, serve what already waits in the
//                              socket's queue (at most kQueueDrainMs), exit. SIGTERM is also
//                              what the kernel sends when the master dies (PR_SET_PDEATHSIG).
//            SIGUSR1           reopen the log file between two requests
//            SIGINT            default action: dies at once
//            SIGHUP, SIGUSR2   ignored (meant for the master; a signal to the whole process
//                              group must not kill the workers)
//
// DESIGN (after nginx's ngx_process_cycle.c)
// A handler only sets a sig_atomic_t flag. The signals stay blocked except inside ppoll(), so a
// process sleeps there and, on every wake-up, looks at its flags, its children and the clock; a
// signal that arrives while it works stays pending and ends the next ppoll() at once. A
// signal's meaning is therefore applied between two steps, never in the middle of one. The mask
// survives exec, so signals that arrive during a reload's re-exec stay pending until the new
// image has installed its handlers.
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>

namespace flashsale::process {

using Clock = std::chrono::steady_clock;

// What arrived since the last TakeMasterSignals().
struct MasterSignals {
  bool child = false;
  bool reload = false;
  bool reopen = false;
  bool stop = false;      // SIGQUIT or SIGTERM
  bool stop_now = false;  // SIGINT
};

// Installs the master's handlers and blocks its signals; SIGPIPE is ignored.
void InstallMasterSignals();
MasterSignals TakeMasterSignals();

// Sleeps until a signal arrives, `fd` (when >= 0) is readable or `deadline` passes. True when
// `fd` is readable.
bool WaitForEvent(int fd, std::optional<Clock::time_point> deadline);

// Runs the handlers of the process's signals that are pending. Needed after ppoll() and
// epoll_pwait() return ready descriptors: Linux then restores the blocking mask without
// delivering a signal that was already pending, so under steady load (a connection always
// waiting) a stop or reload would otherwise never be seen.
void DeliverPendingSignals();

// In a freshly forked worker: its handlers and mask (whatever the master's were).
void InstallWorkerSignals();
bool WorkerStopRequested();
bool TakeWorkerReopen();
// The mask to wait with (the process's signals unblocked), for ppoll/epoll_pwait.
const sigset_t& WaitMask();

// The mask every child gets before exec (nothing blocked, default handlers).
void ResetSignalsForExec();

}  // namespace flashsale::process
