#include "api/idempotency_key.h"

#include "util/json.h"
#include "util/text.h"

namespace flashsale::api {

Result<std::optional<domain::IdempotencyKey>> ReadIdempotencyKey(const http::Request& req,
                                                                 const std::string& scope) {
  if (!req.HasHeader("idempotency-key")) return std::optional<domain::IdempotencyKey>();
  const std::string& key = req.Header("idempotency-key");
  if (key.empty() || key.size() > 255 || !util::IsVisibleAscii(key)) {
    return Status::InvalidArgument("validation_failed", "request validation failed")
        .WithField("Idempotency-Key", "must be 1 to 255 characters of visible ASCII (0x21-0x7E)");
  }
  return std::optional<domain::IdempotencyKey>(
      domain::IdempotencyKey{scope, key, util::Sha256Hex(req.body)});
}

http::Response Replay(const domain::StoredReply& reply) {
  http::Response r;
  r.status = reply.status;
  r.body = reply.body;
  return r;
}

}  // namespace flashsale::api
