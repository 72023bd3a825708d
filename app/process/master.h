// The pool's master process, like php-fpm's: it listens, forks and manages the workers, and
// answers the signals of signals.h. Its parts, one job per file:
//   listener.h    the listening socket (kept open across reloads), owner/group/mode
//   pool.h        worker slots, fork, reap, respawn back-off, the old generation of a reload
//   pm.h          static / dynamic / ondemand decisions
//   watchdog.h    request_terminate_timeout and request_slowlog_timeout
//   reload.h      config test and re-exec in place, and what is handed to the new image
//   trust_page.h  the cache-trust page, shared by the workers and kept across reloads
//   signals.h     the signals, and the one place the master sleeps
//   pidfile.h, proctitle.h
//
// The loop: on every wake-up (a signal, a deadline, or under ondemand a connection waiting) the
// master reaps every child, applies what the signals asked, lets pm and the watchdog decide,
// forks what is due, and sleeps again until the earliest deadline. It never relies on which
// signal woke it: everything is recomputed from its state.
//
// Stop. SIGQUIT or SIGTERM: the unix socket file is removed at once (new connections are
// refused: nginx answers 502 right away instead of queueing them); every worker gets SIGQUIT,
// finishes its request, serves what was already queued (worker.h) and exits; the master exits
// 0 when they are all gone, killing (SIGKILL) any still running kDrainSeconds after the signal,
// or request_terminate_timeout + 2 s when that is longer. A TCP socket cannot refuse new
// connections while it is open: those that arrive after the workers emptied the queue are
// reset when the master closes it (nginx: 502). SIGINT: the workers are killed at once (their
// clients get 502; MariaDB rolls back what they had not committed), the master exits 0.
// Exit 2 (kExitFatal): cannot listen, or every worker failed fatally; restarting would not help.
#pragma once

#include <string>
#include <vector>

#include "process/pool.h"
#include "process/reload.h"
#include "process/scoreboard.h"
#include "process/trust_page.h"
#include "util/config.h"

namespace flashsale::process {

constexpr int kDrainSeconds = 20;

struct MasterOptions {
  std::string config_path;        // shown in the process title
  std::string executable;         // what a reload execs (ExecutablePath() at start)
  std::vector<std::string> argv;  // the original command line, for the reload
  Handover handover;              // from the previous image, when this one is a reload
  TrustPage trust;                // handed to the next image
};

// Returns the process exit code. `board` (created before, one slot per worker) is kept up to
// date: each slot is marked on fork and on reap.
int RunMaster(const util::Config& config, const MasterOptions& options, Scoreboard& board,
              const WorkerMain& worker_main);

}  // namespace flashsale::process
