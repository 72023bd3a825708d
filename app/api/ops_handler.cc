// GET /status and GET /metrics: the pool's state and metrics, read from the scoreboard that every
// worker shares (process/scoreboard.h) and rendered by app/metrics. Operations endpoints, not part
// of the API reference: only nginx's operations locations route here (Request::ops), and only
// from the addresses they allow.
//
// Outside a pool (no scoreboard: the fuzzers, a lone process) there is nothing to report: 404.
#include "api/services.h"
#include "domain/health.h"
#include "http/error_map.h"
#include "metrics/exposition.h"
#include "metrics/metrics.h"
#include "metrics/prometheus.h"
#include "metrics/status.h"
#include "process/scoreboard.h"

namespace flashsale::api {
namespace {

Status NoPool() { return Status::NotFound("not_found", "no such endpoint"); }

}  // namespace

Result<http::Response> GetStatus(Services&, const http::Request& req) {
  process::Scoreboard* board = process::Scoreboard::Self();
  if (board == nullptr) return NoPool();
  metrics::PoolState state = metrics::ReadPoolState(*board, process::Scoreboard::SelfListenFd());
  // php-fpm's spelling: "?full" (any value, or none).
  return http::JsonResponse(200, metrics::StatusJson(state, req.QueryParam("full").has_value()));
}

Result<http::Response> GetMetrics(Services& s, const http::Request&) {
  process::Scoreboard* board = process::Scoreboard::Self();
  metrics::Registry* registry = metrics::Shared();
  if (board == nullptr || registry == nullptr) return NoPool();
  metrics::ScrapeInputs in;
  // Reachability as this worker sees it now; the expiry figures only when MariaDB answered (a
  // scrape must not wait through the transaction retries of a database that is down).
  domain::Health health = domain::CheckHealth(s.deps);
  in.mariadb_up = health.database;
  in.redis_up = health.cache;
  if (health.database) {
    Result<store::metrics::ExpiryTotals> totals = s.logs.ExpiryTotals();
    if (totals.ok()) {
      in.expiry = metrics::ExpiryFigures{totals->runs, totals->batches, totals->holds,
                                         totals->orders};
    }
  }
  in.pool = metrics::ReadPoolState(*board, process::Scoreboard::SelfListenFd());
  in.series = registry->Snapshot();
  in.dropped = registry->dropped();
  http::Response r;
  r.status = 200;
  r.content_type = metrics::kTextContentType;
  r.body = metrics::MetricsText(in);
  return r;
}

}  // namespace flashsale::api
