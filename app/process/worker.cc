#include "process/worker.h"

#include <fcgiapp.h>
#include <signal.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/deps.h"
#include "http/error_map.h"
#include "http/fcgi_io.h"
#include "store/db.h"
#include "store/options.h"
#include "store/redis_client.h"
#include "util/log.h"

namespace flashsale::process {
namespace {

volatile sig_atomic_t g_stop = 0;

void OnStop(int) {
  g_stop = 1;
  FCGX_ShutdownPending();  // libfcgi's own flag: accept() returns instead of retrying
}

}  // namespace

int RunWorker(const util::Config& config, int listen_fd, store::CacheTrust& trust,
              Scoreboard& board, size_t slot) {
  Scoreboard::BindSelf(&board, slot, listen_fd);  // scoreboard: the request path annotates this slot
  // No SA_RESTART: SIGTERM must interrupt a blocking accept().
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // nginx closing early must not kill the worker

  // While a request is being served SIGTERM stays blocked, so database and Redis I/O are never
  // interrupted half-way; it is delivered when the worker goes back to accept().
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);

  store::Database db(store::DbOptionsFrom(config));
  store::RedisClient redis(store::RedisOptionsFrom(config));
  store::ProductCache cache(redis, trust);
  domain::Deps deps{db, cache, config};
  api::Api api(deps);

  if (FCGX_Init() != 0) return 1;
  FCGX_Request request;
  FCGX_InitRequest(&request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
  LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << getpid() << " ready");
  while (!g_stop) {
    board.WorkerIdle(slot);  // scoreboard
    sigprocmask(SIG_UNBLOCK, &term, nullptr);
    int rc = g_stop ? -1 : FCGX_Accept_r(&request);
    sigprocmask(SIG_BLOCK, &term, nullptr);
    if (rc < 0) break;
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
  }
  board.WorkerExiting(slot);  // scoreboard
  FCGX_Free(&request, 1);
  LOG4CPLUS_DEBUG(util::ProcessLog(), "worker " << getpid() << " stopped");
  return 0;
}

}  // namespace flashsale::process
