// The one place where a Status becomes an HTTP status, an error body and a log level.
#pragma once

#include <json/value.h>

#include "http/request.h"
#include "util/status.h"

namespace flashsale::http {

// {"error": {"code", "message", [fields], [context keys]}} with the mapped status. 5xx answers
// carry a generic message (no SQL, paths or stack) and 503 adds Retry-After. The error is logged
// here, once, with the request id: 5xx at ERROR, 4xx at DEBUG.
Response ErrorResponse(const Status& status, const std::string& request_id = "");

int HttpStatusFor(const Status& status);

// A JSON success answer.
Response JsonResponse(int status, const Json::Value& body);
// The same with a body already written as JSON text.
Response JsonResponse(int status, std::string body);

}  // namespace flashsale::http
