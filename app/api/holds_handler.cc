// POST /api/holds, GET /api/holds/{id}, DELETE /api/holds/{id}.
#include "api/idempotency_key.h"
#include "api/render.h"
#include "api/services.h"
#include "api/validate.h"
#include "domain/rules.h"
#include "http/error_map.h"

namespace flashsale::api {

Result<http::Response> CreateHold(Services& s, const http::Request& req) {
  Result<util::JsonDocument> body = ParseObject(req.body);
  if (!body.ok()) return body.status();
  FieldChecker check(body.value());
  std::optional<int64_t> product_id = check.Integer("product_id", 1, INT64_MAX);
  std::optional<int64_t> quantity =
      check.Integer("quantity", domain::kMinQuantity, domain::kMaxQuantity);
  // Opaque, compared byte for byte; null or absent: no buyer (then a product with a per-buyer
  // limit refuses the hold with 422 fields.buyer_id).
  std::optional<std::string> buyer_id =
      check.OptionalString("buyer_id", 1, domain::kMaxBuyerIdLength);
  if (Status v = check.Result(); !v.ok()) return v;
  auto key = ReadIdempotencyKey(req, "holds");
  if (!key.ok()) return key.status();

  domain::HoldRequest request{*product_id, *quantity, buyer_id};
  util::Millis now = util::NowMillis();
  if (!key.value()) {
    Result<domain::HoldView> hold = s.holds.Create(request, now);
    if (!hold.ok()) return hold.status();
    return http::JsonResponse(201, RenderHold(hold.value()));
  }
  Result<domain::StoredReply> reply = s.holds.CreateIdempotent(
      request, now, *key.value(), [&](const Result<domain::HoldView>& hold) {
        return KeepCreated(hold, RenderHold, req.request_id);
      });
  if (!reply.ok()) return reply.status();
  return Replay(reply.value());
}

Result<http::Response> GetHold(Services& s, const http::Request& req) {
  Result<domain::HoldView> hold = s.holds.Get(req.ids[0], util::NowMillis());
  if (!hold.ok()) return hold.status();
  return http::JsonResponse(200, RenderHold(hold.value()));
}

Result<http::Response> DeleteHold(Services& s, const http::Request& req) {
  Result<domain::HoldView> hold = s.holds.Release(req.ids[0], util::NowMillis());
  if (!hold.ok()) return hold.status();
  return http::JsonResponse(200, RenderHold(hold.value()));
}

}  // namespace flashsale::api
