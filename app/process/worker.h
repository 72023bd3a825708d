// A worker process: one MariaDB connection, one Redis connection, one request at a time.
//
// Connections are made after fork() (a connection shared across processes would interleave
// their bytes) and lazily re-made after failures, so a database restart costs the requests that
// were in flight, not the worker. The accept loop follows fcgi2's examples/threaded.c with one
// request object per process.
#pragma once

#include "store/product_cache.h"
#include "util/config.h"

namespace flashsale::process {

// REQUIRES: called in a forked child; `trust` lives in memory shared with the other workers.
int RunWorker(const util::Config& config, int listen_fd, store::CacheTrust& trust);

}  // namespace flashsale::process
