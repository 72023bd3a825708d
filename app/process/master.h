// The pool's master process: opens the FastCGI socket, forks the workers, keeps them alive.
//
// DESIGN (after nginx's ngx_process_cycle.c)
// Signal handlers only record facts in sig_atomic_t flags; the master sleeps in sigsuspend()
// and acts on the flags when it wakes:
//   SIGCHLD  reap; a worker that died is forked again. If workers keep dying young, each respawn
//            waits longer (100 ms doubling up to 10 s) so a broken database or config does not
//            turn into a fork storm. A worker that exits with kExitFatal is not respawned.
//   SIGTERM  (or SIGINT) drain: every worker gets SIGTERM, finishes its request in flight and
//            exits; the listening socket is shut down so no worker stays blocked in accept();
//            stragglers get SIGKILL after kDrainSeconds. The unix socket file is removed.
// Workers die with the master (PR_SET_PDEATHSIG), so nothing outlives the pool.
#pragma once

#include <functional>

#include "util/config.h"

namespace flashsale::process {

constexpr int kExitFatal = 2;
constexpr int kDrainSeconds = 20;

// Runs a worker in a freshly forked child: gets the listening socket, returns the exit code.
using WorkerMain = std::function<int(int listen_fd)>;

// Returns the process exit code.
int RunMaster(const util::Config& config, const WorkerMain& worker_main);

}  // namespace flashsale::process
