#include "domain/webhook_signature.h"

#include <boost/test/unit_test.hpp>

using namespace flashsale::domain;

BOOST_AUTO_TEST_SUITE(webhook_signature)

const std::string kBody = R"({"idempotency_key":"k","order_id":1,"status":"success"})";

BOOST_AUTO_TEST_CASE(known_vector) {
  // HMAC-SHA256("secret", "100.body"), computed independently with openssl dgst.
  BOOST_TEST(SignWebhook("secret", 100, "body") ==
             "08ea8ce2547299f905451d2729e38d0069fb5982a470a056fc02326a9f6a8897");
}

BOOST_AUTO_TEST_CASE(accepts_current_and_previous_secret_within_tolerance) {
  WebhookSecrets secrets{"new", "old", 300};
  int64_t now = 1'800'000'000;
  std::string by_new = "t=" + std::to_string(now) + ",v1=" + SignWebhook("new", now, kBody);
  std::string by_old = "t=" + std::to_string(now - 299) + ",v1=" + SignWebhook("old", now - 299, kBody);
  std::string two = "t=" + std::to_string(now) + ",v1=" + std::string(64, '0') +
                    ",v1=" + SignWebhook("new", now, kBody);
  BOOST_TEST(VerifyWebhookSignature(by_new, kBody, secrets, now));
  BOOST_TEST(VerifyWebhookSignature(by_old, kBody, secrets, now));
  BOOST_TEST(VerifyWebhookSignature(two, kBody, secrets, now));
}

BOOST_AUTO_TEST_CASE(rejects_everything_else) {
  WebhookSecrets secrets{"new", "", 300};
  int64_t now = 1'800'000'000;
  std::string good = SignWebhook("new", now, kBody);
  const std::string bad[] = {
      "",
      "t=" + std::to_string(now),
      "v1=" + good,
      "t=" + std::to_string(now) + ",v1=" + SignWebhook("old", now, kBody),
      "t=" + std::to_string(now - 301) + ",v1=" + SignWebhook("new", now - 301, kBody),
      "t=" + std::to_string(now + 301) + ",v1=" + SignWebhook("new", now + 301, kBody),
      "t=" + std::to_string(now + 1) + ",v1=" + good,  // signed for another t
      "t=" + std::to_string(now) + ",v1=" + good.substr(0, 63),
      "t=" + std::to_string(now) + ",v1=" + good + "00",
      "t=abc,v1=" + good,
      "t=" + std::to_string(now) + ",t=" + std::to_string(now) + ",v1=" + good,
  };
  for (const std::string& header : bad) {
    BOOST_TEST_CONTEXT(header) { BOOST_TEST(!VerifyWebhookSignature(header, kBody, secrets, now)); }
  }
  std::string header = "t=" + std::to_string(now) + ",v1=" + good;
  BOOST_TEST(!VerifyWebhookSignature(header, kBody + " ", secrets, now));  // body changed
}

BOOST_AUTO_TEST_SUITE_END()
