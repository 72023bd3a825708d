// GET /api/logs?limit=100&after_id=0&type=hold_created
#include "api/render.h"
#include "api/services.h"
#include "api/validate.h"
#include "http/error_map.h"
#include "util/text.h"

namespace flashsale::api {

Result<http::Response> GetLogs(Services& s, const http::Request& req) {
  Status invalid = Status::InvalidArgument("validation_failed", "request validation failed");
  bool failed = false;
  int64_t limit = 100;
  int64_t after_id = 0;
  std::optional<std::string> type;
  if (auto v = req.QueryParam("limit")) {
    std::optional<int64_t> n = ParseQueryInt(*v, 1, 1000);
    if (n) limit = *n; else { invalid.WithField("limit", "must be an integer from 1 to 1000"); failed = true; }
  }
  if (auto v = req.QueryParam("after_id")) {
    std::optional<int64_t> n = ParseQueryInt(*v, 0, INT64_MAX);
    if (n) after_id = *n; else { invalid.WithField("after_id", "must be an integer >= 0"); failed = true; }
  }
  if (auto v = req.QueryParam("type")) {
    // Characters, not bytes; bytes that are not UTF-8 are no type.
    std::optional<size_t> length = util::Utf8Length(*v);
    if (!length || *length < 1 || *length > 64) {
      invalid.WithField("type", "must be 1 to 64 characters of UTF-8");
      failed = true;
    } else {
      type = *v;
    }
  }
  if (failed) return invalid;
  Result<domain::LogPage> page = s.logs.Page(after_id, type, static_cast<int>(limit));
  if (!page.ok()) return page.status();
  return http::JsonResponse(200, RenderLogPage(page.value()));
}

}  // namespace flashsale::api
