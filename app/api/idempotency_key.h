// Reads the optional Idempotency-Key header of POST /api/holds and POST /api/orders.
#pragma once

#include <optional>
#include <string>

#include "domain/idempotency.h"
#include "http/request.h"
#include "util/status.h"

namespace flashsale::api {

// nullopt without the header; 422 if it is not 1..255 characters.
Result<std::optional<domain::IdempotencyKey>> ReadIdempotencyKey(const http::Request& req,
                                                                 const std::string& scope);

// The reply to keep for a request: the rendered success, or the mapped error.
http::Response ToStorable(const domain::StoredReply& reply);

}  // namespace flashsale::api
