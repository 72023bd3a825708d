#include "http/error_map.h"

#include "util/json.h"
#include "util/log.h"

namespace flashsale::http {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return status.error() == "invalid_json" ? 400 : 422;
    case Code::kNotFound: return 404;
    case Code::kConflict: return 409;
    case Code::kUnauthorized: return 401;
    case Code::kMethodNotAllowed: return 405;
    case Code::kPayloadTooLarge: return 413;
    case Code::kRetryable:
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

Response ErrorResponse(const Status& status, const std::string& request_id) {
  int http_status = HttpStatusFor(status);
  Json::Value error(Json::objectValue);
  if (http_status == 503) {
    error["code"] = "service_unavailable";
    error["message"] = "temporarily unavailable, retry shortly";
  } else if (http_status >= 500) {
    error["code"] = "internal_error";
    error["message"] = "internal error";
  } else {
    error["code"] = status.error();
    error["message"] = status.message();
    for (const auto& [key, value] : status.context()) {
      error[key] = Json::Value(static_cast<Json::Int64>(value));
    }
    if (!status.fields().empty()) {
      Json::Value fields(Json::objectValue);
      for (const auto& [field, what] : status.fields()) fields[field] = what;
      error["fields"] = fields;
    }
  }
  if (http_status >= 500) {
    LOG4CPLUS_ERROR(util::HttpLog(), "[" << request_id << "] " << http_status << " "
                                         << status.error() << ": " << status.message());
  } else {
    LOG4CPLUS_DEBUG(util::HttpLog(), "[" << request_id << "] " << http_status << " "
                                         << status.error());
  }
  Json::Value body(Json::objectValue);
  body["error"] = error;
  Response r = JsonResponse(http_status, body);
  if (http_status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response JsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response JsonResponse(int status, const Json::Value& body) {
  Response r;
  r.status = status;
  r.body = util::WriteJson(body);
  return r;
}

}  // namespace flashsale::http
