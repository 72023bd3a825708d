// Webhook signatures as a payment provider computes them, written independently of the app:
//   X-Signature: t=<unix seconds>,v1=<lowercase hex of HMAC-SHA256(secret, "<t>.<raw body>")>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flashsale::itest {

// Lowercase hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The X-Signature value for `body` at time `t` (seconds since the epoch).
std::string SignatureHeader(std::string_view secret, std::string_view body, int64_t t);

// Seconds since the epoch, now.
int64_t NowUnixSeconds();

}  // namespace flashsale::itest
