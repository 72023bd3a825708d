// POST /api/payments/webhook. The signature is checked before anything else, so an unsigned or
// forged call is refused with 401 and leaves no row anywhere.
#include "api/render.h"
#include "api/services.h"
#include "api/validate.h"
#include "domain/webhook_signature.h"
#include "http/error_map.h"
#include "util/log.h"

namespace flashsale::api {

Result<http::Response> PaymentWebhook(Services& s, const http::Request& req) {
  const util::Config& config = s.deps.config;
  util::Millis now = util::NowMillis();
  if (!config.webhook_secret.empty()) {
    domain::WebhookSecrets secrets{config.webhook_secret, config.webhook_secret_previous,
                                   config.webhook_tolerance_seconds};
    if (!domain::VerifyWebhookSignature(req.Header("x-signature"), req.body, secrets,
                                        now / 1000)) {
      return Status::Unauthorized("invalid_signature", "missing, stale or invalid X-Signature");
    }
  } else {
    // Only reachable with webhook_allow_unsigned = true (the pool refuses to start otherwise).
    LOG4CPLUS_WARN(util::HttpLog(), "payment webhook accepted WITHOUT a signature (no webhook_secret; "
                                    "webhook_allow_unsigned = true) [" << req.request_id << "]");
  }
  Result<util::JsonDocument> body = ParseObject(req.body);
  if (!body.ok()) return body.status();
  FieldChecker check(body.value());
  std::optional<std::string> key = check.String("idempotency_key", 1, 255);
  std::optional<int64_t> order_id = check.Integer("order_id", 1, INT64_MAX);
  std::optional<std::string> status = check.OneOf("status", {"success", "failed"});
  if (Status v = check.Result(); !v.ok()) return v;

  Result<domain::PaymentResult> result = s.payments.Apply(
      *key, *order_id,
      *status == "success" ? store::PaymentStatus::kSuccess : store::PaymentStatus::kFailed, now);
  if (!result.ok()) return result.status();
  return http::JsonResponse(result->deferred ? 202 : 200, RenderPayment(result.value()));
}

}  // namespace flashsale::api
