// request_terminate_timeout and request_slowlog_timeout, after php-fpm's
// fpm_pctl_check_request_timeout: the master reads every busy worker's request start on the
// scoreboard (CLOCK_MONOTONIC) and
//   - past request_slowlog_timeout logs one WARN line for the request: worker pid, method and
//     route, the time it has run, and where the worker waits (its /proc/<pid>/wchan, the system
//     call it is in from /proc/<pid>/syscall, and what that call's descriptor is: the MariaDB or
//     Redis socket, the client's...), and counts it on the scoreboard (slow_requests);
//   - past request_terminate_timeout kills the worker (SIGKILL) and logs an ERROR line with the
//     same details. The pool replaces it at once.
// What the kill means for the request: nginx sees the connection close without an answer and
// gives its client 502. The worker's MariaDB connection closes with it, and MariaDB rolls back a
// transaction whose COMMIT it never received: nothing of the request commits after its client
// was told it failed. Only when COMMIT had already been sent (the worker waits for its answer)
// is the outcome unknown, exactly like a connection lost after COMMIT (README "Durability and
// faults"): the client's retry with the same Idempotency-Key finds the committed answer or does
// the work once. request_terminate_timeout is below nginx's fastcgi_read_timeout
// (util::CheckPoolSettings, util/config_check.h), so nginx never answers 504 for a request a
// worker still runs.
//
// The master checks at least once a second (kWatchInterval) and exactly at the deadlines of the
// requests it saw running, so a deadline is acted on less than a second late.
#pragma once

#include <optional>
#include <vector>

#include "process/pool.h"
#include "process/scoreboard.h"
#include "process/signals.h"
#include "util/config.h"

namespace flashsale::process {

constexpr std::chrono::seconds kWatchInterval{1};

class RequestWatchdog {
 public:
  RequestWatchdog(const util::Config& config, Scoreboard& board);

  bool enabled() const { return slowlog_ns_ > 0 || terminate_ns_ > 0; }
  // Checks every busy worker; returns when to check again (nullopt: disabled).
  std::optional<Clock::time_point> Check(Pool& pool);

 private:
  Scoreboard& board_;
  uint64_t slowlog_ns_;
  uint64_t terminate_ns_;
  std::vector<uint64_t> logged_start_;  // per slot: the request already logged as slow
};

// Where process `pid` waits: "wchan unix_stream_read_generic, syscall recvfrom(fd 7 -> socket:[...])".
std::string WhereItWaits(pid_t pid);

}  // namespace flashsale::process
