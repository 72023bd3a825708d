// The graceful reload (SIGUSR2, SIGHUP): the master re-execs itself in place, keeping its pid,
// its listening socket, its cache-trust page and its workers.
//
// DESIGN (after php-fpm's fpm_pctl_exec and FPM_SOCKETS, with one difference said below)
//   1. The master runs `<binary> <its own arguments> --check-config` as a child: the binary
//      that will run judges the config it will run with (a new binary may know keys the running
//      one does not). No connection is tested: a reload must work while MariaDB is down. The master keeps serving meanwhile; a test that fails or takes over
//      kConfigTestSeconds leaves the old image running, with an ERROR in the log.
//   2. It re-execs the binary at the path it was started from (always, like php-fpm: a new
//      binary, a new library or only a new config are all picked up the same way, and one path
//      is tested by every reload). The same argv, the same environment plus the hand-over
//      below. exec keeps the pid (systemd's MainPID, the pidfile, the supervisor's child), the
//      children and the signal mask, so a signal sent during the exec waits for the new image.
//   3. The new image adopts the socket and the page, forks its workers, and only then asks the
//      old ones to stop (SIGQUIT: finish the request in flight, exit). So some worker always
//      accepts: unlike php-fpm, which stops the old workers before exec, there is no moment
//      without one. Connections in the socket's queue are served by whichever generation
//      accepts them. The old workers are children of the new image: it reaps them as the old
//      generation, never respawns them, and kills those still running at their deadline (the
//      old config's request_terminate_timeout, or kDrainSeconds, after the reload).
// If exec itself fails, the old image goes on as before (ERROR in the log).
//
// The hand-over, in the environment of the new image (removed from it at start):
//   FLASHSALE_LISTEN_FD       the listening socket
//   FLASHSALE_TRUST_FD        the memfd of the cache-trust page (trust_page.h)
//   FLASHSALE_OLD_WORKERS     pid:deadline,...  deadline in CLOCK_MONOTONIC milliseconds
//   FLASHSALE_OLD_PID_FILE    the pid_file of the previous image (removed if it changed)
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "process/signals.h"

namespace flashsale::process {

constexpr int kConfigTestSeconds = 10;

struct OldWorker {
  pid_t pid = 0;
  Clock::time_point deadline;
};

struct Handover {
  bool reloaded = false;  // this image was started by a reload
  int listen_fd = -1;
  int trust_fd = -1;
  std::vector<OldWorker> old_workers;
  std::string old_pid_file;
};

// Reads the hand-over and removes it from the environment (workers and children never see it).
Handover TakeHandover();

// The binary this process runs, by path (to exec the file installed there now).
std::string ExecutablePath();

// Forks `exe` with `argv` plus "--check-config"; its output goes to the master's stderr. -1 on failure.
pid_t StartConfigTest(const std::string& exe, const std::vector<std::string>& argv);

// Execs `exe` with `argv` and the hand-over. Returns only if exec failed (logged).
void ReExec(const std::string& exe, const std::vector<std::string>& argv, const Handover& handover);

}  // namespace flashsale::process
