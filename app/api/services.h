// The domain services one worker serves requests with, bundled for the handlers.
#pragma once

#include "domain/deps.h"
#include "domain/hold_service.h"
#include "domain/log_service.h"
#include "domain/order_service.h"
#include "domain/payment_service.h"
#include "domain/product_service.h"
#include "http/request.h"
#include "util/status.h"

namespace flashsale::api {

struct Services {
  explicit Services(domain::Deps& d)
      : deps(d), products(d), holds(d), orders(d), payments(d), logs(d) {}

  domain::Deps& deps;
  domain::ProductService products;
  domain::HoldService holds;
  domain::OrderService orders;
  domain::PaymentService payments;
  domain::LogService logs;
};

// Every endpoint: parse and validate, call the domain, render. Errors are returned as Status and
// mapped to HTTP by http/error_map.cc only.
using Handler = Result<http::Response> (*)(Services&, const http::Request&);

// products_handler.cc
Result<http::Response> GetProduct(Services& s, const http::Request& req);
// holds_handler.cc
Result<http::Response> CreateHold(Services& s, const http::Request& req);
Result<http::Response> GetHold(Services& s, const http::Request& req);
Result<http::Response> DeleteHold(Services& s, const http::Request& req);
// orders_handler.cc
Result<http::Response> CreateOrder(Services& s, const http::Request& req);
Result<http::Response> GetOrder(Services& s, const http::Request& req);
// payments_handler.cc
Result<http::Response> PaymentWebhook(Services& s, const http::Request& req);
// logs_handler.cc
Result<http::Response> GetLogs(Services& s, const http::Request& req);
// health_handler.cc
Result<http::Response> GetHealth(Services& s, const http::Request& req);
// admin_handler.cc
Result<http::Response> AdminCreateProduct(Services& s, const http::Request& req);
Result<http::Response> AdminPatchProduct(Services& s, const http::Request& req);
// ops_handler.cc (GET /status, GET /metrics: operations, not the public API)
Result<http::Response> GetStatus(Services& s, const http::Request& req);
Result<http::Response> GetMetrics(Services& s, const http::Request& req);

}  // namespace flashsale::api
