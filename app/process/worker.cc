#include "process/worker.h"

#include <fcgiapp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "api/api.h"
#include "domain/deps.h"
#include "http/error_map.h"
#include "http/fcgi_io.h"
#include "process/proctitle.h"
#include "process/signals.h"
#include "store/db.h"
#include "store/options.h"
#include "store/redis_client.h"
#include "store/trust_ledger.h"
#include "util/log.h"

namespace flashsale::process {
namespace {

int64_t Millis(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// Waits for a connection on the listening socket for at most `timeout_ms` (-1: no limit), with
// the worker's signals unblocked. True when one waits.
bool WaitForConnection(int epoll_fd, int timeout_ms) {
  struct epoll_event ev {};
  int n = epoll_pwait(epoll_fd, &ev, 1, timeout_ms, &WaitMask());
  DeliverPendingSignals();  // see signals.h
  return n > 0;
}

}  // namespace

int RunWorker(const util::Config& config, int listen_fd, store::CacheTrust& trust,
              Scoreboard& board, size_t slot) {
  Scoreboard::BindSelf(&board, slot, listen_fd);  // scoreboard: the request path annotates this slot
  SetProcTitle("flashsale-fcgi: worker process", "flashsale-wkr");
  // libfcgi reads FCGI_WEB_SERVER_ADDRS in FCGX_Init and closes connections from other
  // addresses right after accept (TCP only), as php-fpm's listen.allowed_clients does. libfcgi
  // splits the list at commas only: the blanks the config allows around them go.
  if (!config.listen_allowed_clients.empty()) {
    std::string addrs;
    for (char c : config.listen_allowed_clients) {
      if (c != ' ' && c != '\t') addrs += c;
    }
    ::setenv("FCGI_WEB_SERVER_ADDRS", addrs.c_str(), 1);
  }

  store::Database db(store::DbOptionsFrom(config));
  store::RedisClient redis(store::RedisOptionsFrom(config));
  store::TrustLedger ledger(db);
  store::ProductCache cache(redis, trust, &ledger);
  domain::Deps deps{db, cache, config};
  api::Api api(deps);

  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event listen_event {};
  listen_event.events = EPOLLIN | EPOLLEXCLUSIVE;
  if (epoll_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &listen_event) != 0) {
    LOG4CPLUS_ERROR(util::ProcessLog(), "worker " << getpid() << ": epoll: " << std::strerror(errno));
    return 1;
  }
  if (FCGX_Init() != 0) return 1;
  FCGX_Request request;
  FCGX_InitRequest(&request, listen_fd, 0);
  const bool idle_exit = config.pm == "ondemand";
  const auto idle_timeout = std::chrono::seconds(config.pm_process_idle_timeout);
  Clock::time_point last_request = Clock::now();
  std::optional<Clock::time_point> stop_since;
  long served = 0;
  LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << getpid() << " ready");
  board.WorkerIdle(slot);  // scoreboard
  for (;;) {
    if (TakeWorkerReopen()) util::ReopenLogs(config.VarPath(config.log_file), config.log_config);
    Clock::time_point now = Clock::now();
    if (WorkerStopRequested() && !stop_since) stop_since = now;
    if (stop_since && now - *stop_since > std::chrono::milliseconds(kQueueDrainMs)) break;
    int timeout_ms = -1;
    if (stop_since) {
      timeout_ms = 0;  // only what already waits
    } else if (idle_exit) {
      timeout_ms = static_cast<int>(std::max<int64_t>(0, Millis(last_request + idle_timeout - now)));
    }
    if (!WaitForConnection(epoll_fd, timeout_ms)) {
      if (stop_since) break;  // the queue is empty
      if (idle_exit && Clock::now() >= last_request + idle_timeout) {
        LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << getpid() << " idle for "
                                                      << config.pm_process_idle_timeout << " s; exiting");
        break;
      }
      continue;  // a signal
    }
    int rc = FCGX_Accept_r(&request);
    if (rc == -EAGAIN || rc == -EWOULDBLOCK) continue;  // another worker took it
    if (rc < 0) {
      LOG4CPLUS_ERROR(util::ProcessLog(), "worker " << getpid() << ": accept failed (" << rc << ")");
      break;
    }
    board.RequestStarted(slot);  // scoreboard
    Result<http::Request> req = http::ReadRequest(request);
    http::Response response;
    if (req.ok()) {
      response = api.Handle(req.value());
    } else {
      response = http::ErrorResponse(req.status());
    }
    http::WriteResponse(request, response);
    FCGX_Finish_r(&request);
    board.RequestFinished(slot);  // scoreboard
    db.FailBack();  // a Galera writer's way back to a preferred node: between requests (db_nodes.h)
    last_request = Clock::now();
    if (config.pm_max_requests > 0 && ++served >= config.pm_max_requests) {
      LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << getpid() << " served " << served << " requests; exiting");
      break;
    }
    board.WorkerIdle(slot);  // scoreboard
  }
  board.WorkerExiting(slot);  // scoreboard
  FCGX_Free(&request, 1);
  ::close(epoll_fd);
  LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << getpid() << " stopped");
  return 0;
}

}  // namespace flashsale::process
