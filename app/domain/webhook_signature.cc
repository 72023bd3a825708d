#include "domain/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

namespace flashsale::domain {

std::string SignWebhook(const std::string& secret, int64_t t, const std::string& body) {
  std::string message = std::to_string(t) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 15];
  }
  return hex;
}

bool VerifyWebhookSignature(const std::string& header, const std::string& body,
                            const WebhookSecrets& secrets, int64_t now_seconds) {
  std::string_view rest(header);
  std::optional<int64_t> t;
  std::vector<std::string_view> candidates;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.substr(0, 2) == "t=") {
      int64_t value = 0;
      std::string_view digits = part.substr(2);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec != std::errc() || p != digits.data() + digits.size() || t) return false;
      t = value;
    } else if (part.substr(0, 3) == "v1=") {
      candidates.push_back(part.substr(3));
    }
  }
  if (!t || candidates.empty()) return false;
  // Compared without subtracting `t`: now - t overflows for a t near INT64_MIN.
  if (*t < now_seconds - secrets.tolerance_seconds || *t > now_seconds + secrets.tolerance_seconds) {
    return false;
  }

  bool match = false;
  for (const std::string* secret : {&secrets.current, &secrets.previous}) {
    if (secret->empty()) continue;
    std::string expected = SignWebhook(*secret, *t, body);
    for (std::string_view candidate : candidates) {
      // Length is public (always 64); only equal-length candidates are compared, in constant time.
      if (candidate.size() == expected.size() &&
          CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
        match = true;
      }
    }
  }
  return match;
}

}  // namespace flashsale::domain
