// Payment webhook signatures: X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>.
//
// Valid when t is within the tolerance of now and any v1 matches the current or the previous
// secret (rotation). Comparison is constant-time so response timing leaks nothing about the MAC.
#pragma once

#include <cstdint>
#include <string>

namespace flashsale::domain {

struct WebhookSecrets {
  std::string current;
  std::string previous;  // empty = none
  int64_t tolerance_seconds = 300;
};

std::string SignWebhook(const std::string& secret, int64_t t, const std::string& body);

bool VerifyWebhookSignature(const std::string& header, const std::string& body,
                            const WebhookSecrets& secrets, int64_t now_seconds);

}  // namespace flashsale::domain
