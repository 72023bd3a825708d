#include "api/api.h"

#include <chrono>
#include <exception>

#include "http/error_map.h"
#include "metrics/metrics.h"
#include "util/log.h"

namespace flashsale::api {
namespace {

// The Allow header for a 405: the router's list, with HEAD after GET (HEAD is answered as GET).
std::string AllowWithHead(const std::string& allow) {
  std::string out;
  size_t start = 0;
  while (start <= allow.size()) {
    size_t comma = allow.find(", ", start);
    std::string method = allow.substr(start, comma == std::string::npos ? comma : comma - start);
    out += (out.empty() ? "" : ", ") + method;
    if (method == "GET") out += ", HEAD";
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return out;
}

}  // namespace

Api::Api(domain::Deps& deps) : services_(deps) {
  // The whole public surface of the service, as in app/api/openapi/openapi.json.
  router_.Add("GET", "/api/health", GetHealth);
  router_.Add("GET", "/api/products/{id}", GetProduct);
  router_.Add("POST", "/api/holds", CreateHold);
  router_.Add("GET", "/api/holds/{id}", GetHold);
  router_.Add("DELETE", "/api/holds/{id}", DeleteHold);
  router_.Add("POST", "/api/orders", CreateOrder);
  router_.Add("GET", "/api/orders/{id}", GetOrder);
  router_.Add("POST", "/api/payments/webhook", PaymentWebhook);
  router_.Add("GET", "/api/logs", GetLogs);
  router_.Add("POST", "/api/admin/products", AdminCreateProduct);
  router_.Add("PATCH", "/api/admin/products/{id}", AdminPatchProduct);

  // Operations, not part of the API reference (ops_handler.cc).
  ops_router_.Add("GET", "/status", GetStatus);
  ops_router_.Add("GET", "/metrics", GetMetrics);
}

http::Response Api::Handle(http::Request& request) {
  auto started = std::chrono::steady_clock::now();
  http::Response response;
  std::string_view route = metrics::kUnmatched;
  try {
    // HEAD is answered like GET (the API reference, Conventions); nginx sends the headers only.
    auto match = (request.ops ? ops_router_ : router_)
                     .Resolve(request.method == "HEAD" ? "GET" : request.method, request.path);
    if (match.pattern != nullptr) route = *match.pattern;
    metrics::RequestRouted(request.method, route);
    if (match.handler == nullptr) {
      response = http::ErrorResponse(match.error, request.request_id);
      if (!match.allow.empty()) response.headers.emplace_back("Allow", AllowWithHead(match.allow));
    } else {
      request.ids = std::move(match.ids);
      Result<http::Response> result = (*match.handler)(services_, request);
      response = result.ok() ? std::move(result.value())
                             : http::ErrorResponse(result.status(), request.request_id);
    }
  } catch (const std::exception& e) {
    response = http::ErrorResponse(Status::Internal(e.what()), request.request_id);
  } catch (...) {
    response = http::ErrorResponse(Status::Internal("unknown exception"), request.request_id);
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
  // The access line: its own logger, off as shipped (nginx logs every request already).
  LOG4CPLUS_INFO(util::AccessLog(), request.method << " " << request.path << " " << response.status
                                                 << " " << micros << "us [" << request.request_id
                                                 << "]");
  metrics::RequestServed(request.method, route, response.status, micros);
  return response;
}

}  // namespace flashsale::api
