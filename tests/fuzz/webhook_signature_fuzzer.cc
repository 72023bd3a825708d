// The payment webhook's X-Signature check (app/domain/webhook_signature.h) against a reference
// reading of the contract: comma-separated parts (leading spaces ignored); exactly one
// t=<integer> (a malformed or repeated t refuses the header); any number of v1=<hex>; valid when
// |t - now| <= tolerance, computed without overflow for any t, and some v1 is the lowercase hex
// HMAC-SHA256 of "<t>.<body>" (t as a decimal integer) under the current or previous secret.
// Also: a header signed with either secret verifies exactly within the tolerance, and one changed
// character of the signature or of the body refuses it.
//
// Input: "<header>\n<body>". In the header "@cur" / "@prev" stand for the correct signature of
// the body under the current / previous secret, for the header's t (so the fuzzer can reach the
// accepting side).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/webhook_signature.h"
#include "support/fuzz_check.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

constexpr int64_t kNow = 1800000000;
constexpr int64_t kTolerance = 300;
const char kCurrent[] = "whsec-current-7f3a";
const char kPrevious[] = "whsec-previous-19bc";

std::string Hmac(const std::string& secret, int64_t t, const std::string& body) {
  std::string message = std::to_string(t) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    static const char kHex[] = "0123456789abcdef";
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 15];
  }
  return hex;
}

struct Parsed {
  bool malformed = false;  // a t= that is not one integer, or a second t=
  std::optional<int64_t> t;
  std::vector<std::string> v1;
};

std::optional<int64_t> ParseT(const std::string& s) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) return std::nullopt;  // out of int64
  return v;
}

Parsed Parse(const std::string& header) {
  Parsed p;
  std::vector<std::string> parts(1);
  for (char c : header) {
    if (c == ',') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  for (std::string part : parts) {
    part.erase(0, part.find_first_not_of(' ') == std::string::npos ? part.size()
                                                                   : part.find_first_not_of(' '));
    if (part.rfind("t=", 0) == 0) {
      std::optional<int64_t> t = ParseT(part.substr(2));
      if (!t || p.t) p.malformed = true;
      if (!p.t) p.t = t;
    } else if (part.rfind("v1=", 0) == 0) {
      p.v1.push_back(part.substr(3));
    }
  }
  return p;
}

bool RefVerify(const std::string& header, const std::string& body) {
  Parsed p = Parse(header);
  if (p.malformed || !p.t || p.v1.empty()) return false;
  // In 128 bits: no overflow for any t.
  __int128 diff = static_cast<__int128>(*p.t) - kNow;
  if (diff < -kTolerance || diff > kTolerance) return false;
  for (const std::string& secret : {std::string(kCurrent), std::string(kPrevious)}) {
    std::string expected = Hmac(secret, *p.t, body);
    for (const std::string& v : p.v1) {
      if (v == expected) return true;
    }
  }
  return false;
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string header = input.substr(0, newline);
  std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);
  int64_t t_for_tokens = Parse(header).t.value_or(kNow);
  ReplaceAll(header, "@cur", Hmac(kCurrent, t_for_tokens, body));
  ReplaceAll(header, "@prev", Hmac(kPrevious, t_for_tokens, body));

  domain::WebhookSecrets secrets{kCurrent, kPrevious, kTolerance};
  bool got = domain::VerifyWebhookSignature(header, body, secrets, kNow);
  bool want = RefVerify(header, body);
  FUZZ_CHECK(got == want, (got ? "accepted" : "refused") << " header " << Printable(header)
                                                         << " for body " << Printable(body));

  // Signed by the sender as the contract says: accepted exactly within the tolerance.
  int64_t offset = static_cast<int64_t>(size % 701) - 350;  // -350 .. 350 s
  int64_t t = kNow + offset;
  bool in_time = offset >= -kTolerance && offset <= kTolerance;
  for (const char* secret : {kCurrent, kPrevious}) {
    std::string sig = domain::SignWebhook(secret, t, body);
    FUZZ_CHECK(sig == Hmac(secret, t, body), "SignWebhook differs from HMAC-SHA256");
    std::string good = "t=" + std::to_string(t) + ",v1=" + sig;
    FUZZ_CHECK(domain::VerifyWebhookSignature(good, body, secrets, kNow) == in_time,
               "own signature at offset " << offset << " for body " << Printable(body));
    FUZZ_CHECK(domain::VerifyWebhookSignature("v1=0000, t=" + std::to_string(t) + ", v1=" + sig,
                                              body, secrets, kNow) == in_time,
               "signature as the second v1, spaces after commas");
    std::string tampered = sig;
    tampered[size % tampered.size()] = tampered[size % tampered.size()] == '0' ? '1' : '0';
    FUZZ_CHECK(!domain::VerifyWebhookSignature("t=" + std::to_string(t) + ",v1=" + tampered, body,
                                               secrets, kNow),
               "a changed signature verified");
    FUZZ_CHECK(!domain::VerifyWebhookSignature(good, body + " ", secrets, kNow),
               "a changed body verified");
  }
  // Hostile t values never overflow and never verify.
  for (const char* far : {"-9223372036854775808", "9223372036854775807", "-9223372036854775507"}) {
    FUZZ_CHECK(!domain::VerifyWebhookSignature(std::string("t=") + far + ",v1=" + Hmac(kCurrent, 0, body),
                                               body, secrets, kNow),
               "t=" << far << " verified");
  }
  return 0;
}
