// Api: the request's path through the application, in one function.
//
//   route (method + path)  ->  handler (validate, call one domain service, render)
//     -> on error: http/error_map.cc  ->  Response  ->  one access line
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
};

}  // namespace flashsale::api
