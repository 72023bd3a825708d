// GET /status: the pool's state as JSON, in the spirit of php-fpm's status page.
//
//   {"pool": "flashsale", "master_pid", "start_time" (RFC 3339), "start_since" (seconds),
//    "accepted_requests", "listen_queue", "max_listen_queue", "listen_queue_len" (the backlog),
//    "idle_workers", "active_workers", "total_workers", "max_workers" (slots),
//    "max_active_workers", "max_children_reached", "slow_requests", "worker_respawns",
//    "workers": [...]}                                                  (workers with ?full only)
// A listen queue figure the kernel would not give is null. With ?full, one entry per slot:
//   {"slot", "pid" (null when empty), "state", "start_since" (seconds, null when empty),
//    "requests" (served by this process), "request_method", "request_route",
//    "request_duration_us"}
// where the request is the current one while busy, else the last one (as php-fpm shows it);
// method, route and duration are null before the first request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/listen_queue.h"
#include "process/scoreboard.h"

namespace flashsale::metrics {

// The pool as read at one instant by the process serving /status or /metrics.
struct PoolState {
  process::PoolView pool;
  process::StateCounts counts;
  std::vector<process::WorkerView> workers;  // every slot
  ListenQueue queue;
  uint64_t now_ns = 0;  // monotonic
};

// Reads the board, and the listen queue of `listen_fd` (recording it in the board's maximum).
PoolState ReadPoolState(process::Scoreboard& board, int listen_fd);

std::string StatusJson(const PoolState& state, bool full);

}  // namespace flashsale::metrics
