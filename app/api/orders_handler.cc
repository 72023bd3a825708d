// POST /api/orders, GET /api/orders/{id}.
#include "api/idempotency_key.h"
#include "api/render.h"
#include "api/services.h"
#include "api/validate.h"
#include "http/error_map.h"

namespace flashsale::api {

Result<http::Response> CreateOrder(Services& s, const http::Request& req) {
  Result<util::JsonDocument> body = ParseObject(req.body);
  if (!body.ok()) return body.status();
  FieldChecker check(body.value());
  std::optional<int64_t> hold_id = check.Integer("hold_id", 1, INT64_MAX);
  if (Status v = check.Result(); !v.ok()) return v;
  auto key = ReadIdempotencyKey(req, "orders");
  if (!key.ok()) return key.status();

  util::Millis now = util::NowMillis();
  if (!key.value()) {
    Result<store::OrderRecord> order = s.orders.Create(*hold_id, now);
    if (!order.ok()) return order.status();
    return http::JsonResponse(201, RenderOrder(order.value()));
  }
  Result<domain::StoredReply> reply = s.orders.CreateIdempotent(
      *hold_id, now, *key.value(), [&](const Result<store::OrderRecord>& order) {
        return KeepCreated(order, RenderOrder, req.request_id);
      });
  if (!reply.ok()) return reply.status();
  return Replay(reply.value());
}

Result<http::Response> GetOrder(Services& s, const http::Request& req) {
  Result<store::OrderRecord> order = s.orders.Get(req.ids[0], util::NowMillis());
  if (!order.ok()) return order.status();
  return http::JsonResponse(200, RenderOrder(order.value()));
}

}  // namespace flashsale::api
