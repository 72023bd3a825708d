// Reads the optional Idempotency-Key header of POST /api/holds and POST /api/orders.
#pragma once

#include <optional>
#include <string>

#include "domain/idempotency.h"
#include "http/error_map.h"
#include "http/request.h"
#include "util/status.h"

namespace flashsale::api {

// nullopt without the header; 422 if it is not 1..255 characters.
Result<std::optional<domain::IdempotencyKey>> ReadIdempotencyKey(const http::Request& req,
                                                                 const std::string& scope);

// What a create request answered, as kept for its Idempotency-Key: 201 with `render(value)`, or
// the error mapped by http/error_map.cc, so a replay is byte for byte the first answer.
template <typename T, typename Render>
domain::StoredReply KeepCreated(const Result<T>& result, const Render& render,
                                const std::string& request_id) {
  http::Response r = result.ok() ? http::JsonResponse(201, render(result.value()))
                                 : http::ErrorResponse(result.status(), request_id);
  return domain::StoredReply{r.status, r.body};
}

// A kept reply as the response to send.
http::Response Replay(const domain::StoredReply& reply);

}  // namespace flashsale::api
