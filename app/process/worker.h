// A worker process: one MariaDB connection, one Redis connection, one request at a time.
//
// Connections are made after fork() (a connection shared across processes would interleave
// their bytes) and lazily re-made after failures, so a database restart costs the requests that
// were in flight, not the worker. The accept loop follows fcgi2's examples/threaded.c with one
// request object per process.
#pragma once

#include "process/scoreboard.h"
#include "store/product_cache.h"
#include "util/config.h"

namespace flashsale::process {

// REQUIRES: called in a forked child; `trust` and `board` live in memory shared with the other
// workers; `slot` is this worker's slot on `board`, given by the master.
int RunWorker(const util::Config& config, int listen_fd, store::CacheTrust& trust,
              Scoreboard& board, size_t slot);

}  // namespace flashsale::process
