// Api: the request's path through the application, in one function.
//
//   route (method + path)  ->  handler (validate, call one domain service, render)
//     -> on error: http/error_map.cc  ->  Response  ->  one access line, the request's metrics
//
// Two route tables: the public API (/api/...), and the operations endpoints (GET /status,
// GET /metrics), which only requests marked by nginx's operations locations (Request::ops)
// reach, and which only those reach: /api/status is not /status.
//
// Nothing thrown gets past Handle(): an unexpected exception is a 500 that leaks nothing.
#pragma once

#include "api/services.h"
#include "http/request.h"
#include "http/router.h"

namespace flashsale::api {

class Api {
 public:
  explicit Api(domain::Deps& deps);

  http::Response Handle(http::Request& request);

 private:
  Services services_;
  http::Router<Handler> router_;
  http::Router<Handler> ops_router_;
};

}  // namespace flashsale::api
