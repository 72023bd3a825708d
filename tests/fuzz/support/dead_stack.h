// The whole request path of a worker (api::Api: router, handlers, validation, rendering, error
// mapping, access log) with its MariaDB and Redis pointing at sockets that do not exist. Every
// request that passes validation reaches the database and gets 503; everything a client can get
// wrong is answered before that. So for any client input the answer must be a JSON error that is
// not a 500.
#pragma once

#include <memory>
#include <string>

#include "http/request.h"

namespace flashsale::fuzz {

inline constexpr const char* kFuzzWebhookSecret = "fuzz-webhook-secret";
inline constexpr const char* kFuzzWebhookSecretPrevious = "fuzz-webhook-previous";
inline constexpr const char* kFuzzAdminToken = "fuzz-admin-token";

// Routes `request` through the worker's Api (built once) and returns its response.
http::Response HandleWithDeadStack(http::Request& request);

// Log lines are formatted (hostile strings reach the loggers) but written nowhere.
void SilenceLogs();

// The properties every response to client input must have: a status the contract allows for
// client input (never 500; 503 only because the database is unreachable), a body that is valid
// UTF-8 and a strict-JSON object, an error object with "code" and "message" for every >= 400,
// Allow on 405 and Retry-After on 503. Aborts with `what` (the input) when one is broken.
void CheckClientResponse(const http::Response& response, const std::string& what);

}  // namespace flashsale::fuzz
