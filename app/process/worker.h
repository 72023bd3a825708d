// A worker process: one MariaDB connection, one Redis connection, one request at a time.
//
// Connections are made after fork() (a connection shared across processes would interleave
// their bytes) and lazily re-made after failures, so a database restart costs the requests that
// were in flight, not the worker. The accept loop follows fcgi2's examples/threaded.c with one
// request object per process.
//
// DESIGN: no signal inside a request. The worker's signals (signals.h) stay blocked except
// while it waits for a connection in epoll_pwait() on the non-blocking listening socket (with
// EPOLLEXCLUSIVE, so a connection wakes one waiting worker, not all). Then it accepts and reads
// the request with its signals blocked: a SIGQUIT arriving after accept() cannot make a read
// fail with EINTR, which libfcgi would answer by dropping the connection (nginx: 502). Another
// worker may take the connection first: accept() then says EAGAIN and this one waits again.
// Stop (SIGQUIT, SIGTERM): the request in flight is finished, then what already waits in the
// queue is served (at most kQueueDrainMs), then the worker exits 0. It also exits 0 after
// pm_max_requests requests, and under pm ondemand after pm_process_idle_timeout without one.
// SIGUSR1 reopens the log file between two requests.
#pragma once

#include "process/pool.h"
#include "process/scoreboard.h"
#include "store/product_cache.h"
#include "util/config.h"

namespace flashsale::process {

constexpr int kQueueDrainMs = 1000;

// REQUIRES: called in a forked child; `trust` and `board` live in memory shared with the other
// workers; `slot` is this worker's slot on `board`, given by the master.
int RunWorker(const util::Config& config, int listen_fd, store::CacheTrust& trust,
              Scoreboard& board, size_t slot);

}  // namespace flashsale::process
