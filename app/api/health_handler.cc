// GET /api/health: database down is "down" (503); Redis down is only "degraded" (200), because
// every read falls back to MariaDB.
#include "api/services.h"
#include "domain/health.h"
#include "http/error_map.h"

namespace flashsale::api {

Result<http::Response> GetHealth(Services& s, const http::Request&) {
  domain::Health h = domain::CheckHealth(s.deps);
  Json::Value body(Json::objectValue);
  body["database"] = h.database ? "ok" : "down";
  body["cache"] = h.cache ? "ok" : "down";
  body["status"] = !h.database ? "down" : (h.cache ? "ok" : "degraded");
  http::Response r = http::JsonResponse(h.database ? 200 : 503, body);
  if (!h.database) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace flashsale::api
