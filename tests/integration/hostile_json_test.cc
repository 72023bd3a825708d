// Hostile input, part 3: JSON and numbers (the API reference, Conventions: strict RFC 8259, nesting at most
// 32 levels, numbers that fit a double, money with at most two decimals read exactly). Issue 8,
// problems 5, 7, 9 and 11. Every body goes to every endpoint that takes one; every refusal must
// leave the database as it was and the pool's log without an ERROR line (PoolWatch).
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <climits>
#include <functional>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/hostile_checks.h"
#include "../support/raw_http.h"
#include "../support/test_stack.h"
#include "../support/webhook_signer.h"

namespace flashsale::itest {
namespace {

// The five endpoints that read a JSON body; the webhook is signed, the admin ones authorized.
struct Endpoint {
  const char* name;
  std::function<HttpResponse(const Api&, const std::string&)> post;
};

std::vector<Endpoint> BodyEndpoints(int64_t product) {
  return {
      {"POST /api/holds", [](const Api& a, const std::string& b) { return a.PostHoldBody(b); }},
      {"POST /api/orders", [](const Api& a, const std::string& b) { return a.PostOrderBody(b); }},
      {"POST /api/payments/webhook",
       [](const Api& a, const std::string& b) { return a.WebhookSigned(b); }},
      {"POST /api/admin/products",
       [](const Api& a, const std::string& b) { return a.CreateProduct(b); }},
      {"PATCH /api/admin/products/{id}",
       [product](const Api& a, const std::string& b) { return a.PatchProduct(product, b); }},
  };
}

// Sends `body` to every endpoint; each must answer `status` with `code`.
void EveryEndpoint(const Api& api, int64_t product, const std::string& body, long status,
                   const std::string& code) {
  for (const Endpoint& e : BodyEndpoints(product)) {
    BOOST_TEST_CONTEXT(e.name << " <" << Printable(body, 120) << ">") {
      CheckJsonError(e.post(api, body), status, code);
    }
  }
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

std::string ProductBody(const std::string& price) {
  return "{\"name\":\"" + UniqueName("price") + "\",\"price\":" + price + ",\"stock\":1}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)
BOOST_FIXTURE_TEST_SUITE(json, PoolWatch)

// Problem 5: more than 32 levels is invalid JSON, however deep; 32 is valid JSON (then 422 for
// its shape). Deep bodies must not crash or slow a worker (no recursion in the reader).
BOOST_AUTO_TEST_CASE(nesting_past_32_levels_is_400_and_32_is_valid_json) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  RowCounts before = CountRows(db);
  for (int depth : {33, 34, 64, 1000}) {
    EveryEndpoint(api, product, NestedObject(depth), 400, "invalid_json");
    EveryEndpoint(api, product, NestedArrays(depth), 400, "invalid_json");
  }
  // As deep as 64 KiB allows: closed, and left open.
  EveryEndpoint(api, product, "{\"a\":" + Repeat('[', 32000) + Repeat(']', 32000) + "}", 400,
                "invalid_json");
  EveryEndpoint(api, product, Repeat('[', 64 * 1024), 400, "invalid_json");
  std::string open_objects;
  while (open_objects.size() + 5 <= 64 * 1024) open_objects += "{\"a\":";
  EveryEndpoint(api, product, open_objects, 400, "invalid_json");
  // 100000 levels need more than 64 KiB: nginx refuses the body before anyone parses it.
  EveryEndpoint(api, product, Repeat('[', 100000) + Repeat(']', 100000), 413, "payload_too_large");
  EveryEndpoint(api, product, NestedObject(100000), 413, "payload_too_large");

  // 32 levels: valid JSON, but no field the endpoint wants.
  for (const std::string& body : {NestedObject(32), NestedArrays(32)}) {
    for (const Endpoint& e : BodyEndpoints(product)) {
      BOOST_TEST_CONTEXT(e.name << " 32 levels <" << Printable(body, 60) << ">") {
        CheckJsonError(e.post(api, body), 422, "validation_failed");
      }
    }
  }
  CheckNothingRecorded(db, before);
}

// Problem 7: money has at most two decimals and is read from its digits exactly.
BOOST_AUTO_TEST_CASE(prices_with_more_than_two_decimals_are_422) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5, "12.34");
  RowCounts before = CountRows(db);
  for (const char* price :
       {"1000.001", "999999.995", "1e-400", "0.001", "59.999", "0.0000001", "1.0000000000000001",
        "1000000.01", "1000000.001", "1e7", "-0.01", "-1", "1e-3", "12.3456e1", "\"10.00\"", "null",
        "true", "[1]", "{}", "123456789012345678901234567890"}) {
    BOOST_TEST_CONTEXT("price " << price) {
      CheckValidationFailed(api.CreateProduct(ProductBody(price)), "price");
      CheckValidationFailed(api.PatchProduct(product, std::string("{\"price\":") + price + "}"),
                            "price");
    }
  }
  // Numbers that do not fit a double are no JSON this service reads.
  for (const char* price : {"1e400", "-1e400", "1e309"}) {
    BOOST_TEST_CONTEXT("price " << price) {
      CheckJsonError(api.CreateProduct(ProductBody(price)), 400, "invalid_json");
      CheckJsonError(api.PatchProduct(product, std::string("{\"price\":") + price + "}"), 400,
                     "invalid_json");
    }
  }
  CheckNothingRecorded(db, before);
  BOOST_TEST(ReadDbProduct(db, product).price_cents == 1234);

  // Exact values however they are written.
  struct Row {
    const char* sent;
    const char* written;
    int64_t cents;
  };
  const Row rows[] = {{"1e2", "100.00", 10000},         {"1E2", "100.00", 10000},
                      {"1e+2", "100.00", 10000},        {"0.1e1", "1.00", 100},
                      {"5e-1", "0.50", 50},             {"1234.5", "1234.50", 123450},
                      {"0", "0.00", 0},                 {"1000000", "1000000.00", 100000000},
                      {"999999.99", "999999.99", 99999999}, {"0.07", "0.07", 7},
                      {"100.000", "100.00", 10000},     {"19.990e0", "19.99", 1999},
                      {"12.345e1", "123.45", 12345},    {"-0", "0.00", 0}};
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT("price " << row.sent) {
      HttpResponse created = api.CreateProduct(ProductBody(row.sent));
      CheckJsonAnswer(created);
      BOOST_TEST(created.status == 201, created.Describe());
      BOOST_TEST(HasRawNumber(created.body, "price", row.written), created.Describe());
      HttpResponse patched = api.PatchProduct(product, std::string("{\"price\":") + row.sent + "}");
      BOOST_TEST(patched.status == 200, patched.Describe());
      BOOST_TEST(HasRawNumber(patched.body, "price", row.written), patched.Describe());
      BOOST_TEST(ReadDbProduct(db, product).price_cents == row.cents);
    }
  }
}

// Problem 9: bodies that are not JSON, or not strict JSON, are 400 invalid_json everywhere.
BOOST_AUTO_TEST_CASE(bodies_that_are_not_strict_json_are_400) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  std::string p = std::to_string(product);
  std::string hold = "{\"product_id\":" + p + ",\"quantity\":1";  // unclosed: add the end
  const std::string bodies[] = {
      // numbers RFC 8259 does not have
      "01", "1.", "+1", "-", ".5", "1.e2", "1e", "0x10", "NaN", "Infinity", "-Infinity",
      hold + ",\"x\":01}", hold + ",\"x\":1.}", hold + ",\"x\":+1}", hold + ",\"x\":-}",
      hold + ",\"x\":.5}", hold + ",\"x\":NaN}", hold + ",\"x\":-01}",
      "{\"product_id\":0" + p + ",\"quantity\":1}",
      // comments
      "{/* c */}", "{}// c", "// c\n{}", "# c\n{}", hold + "/* c */}", hold + "} // c",
      // raw control characters inside strings
      "{\"x\":\"a\tb\"}", "{\"x\":\"a\nb\"}", "{\"x\":\"a\rb\"}", "{\"x\":\"\x01\"}",
      "{\"x\":\"\x1f\"}", "{\"x\\u0000\":\"\x7f\x01\"}",
      // a NUL byte: the parser must not stop there and take what came before
      std::string("{}\0", 3), std::string("{}\0garbage", 10), hold + std::string("}\0", 2),
      hold + std::string("}\0{\"x\":1}", 9), std::string("{\"x\":\"a\0b\"}", 11),
      std::string("\0{}", 3),
      // byte order marks and other invisible starts
      "\xEF\xBB\xBF{}", "\xEF\xBB\xBF" + hold + "}", "\xC2\xA0{}", "\v{}", "\f{}", "\x1b{}",
      // duplicate keys
      "{\"x\":1,\"x\":1}", hold + ",\"quantity\":1}", hold + ",\"product_id\":" + p + "}",
      "{\"x\":{\"y\":1,\"y\":2}}",
      // trailing garbage and broken structure
      "{} x", "{}{}", "{},", "{}]", "{}}", hold + "}}", hold + "} 1", hold + ",}", "{,}",
      "[1,]", "{\"x\":[1,]}", "{'x':1}", "{x:1}", "{\"x\" 1}", "{\"x\":}", "{\"x\"}", "{\"x\":1",
      "{\"x\":\"unterminated}", "{\"x\":TRUE}", "{\"x\":nul}", "{\"x\":True}", "{\"x\":undefined}",
      // bad escapes
      "{\"x\":\"\\x41\"}", "{\"x\":\"\\u12\"}", "{\"x\":\"\\u12G4\"}", "{\"x\":\"\\'\"}",
      "{\"x\":\"\\U0041\"}", "{\"x\":\"\\\"}",
      // not objects, empty
      "", " ", "\r\n", "null", "true", "\"{}\"", "[]", "[{}]", "42", "1e400",
      // numbers outside a double
      hold + ",\"x\":1e400}", hold + ",\"x\":-1e999}",
  };
  RowCounts before = CountRows(db);
  for (const std::string& body : bodies) EveryEndpoint(api, product, body, 400, "invalid_json");
  CheckNothingRecorded(db, before);

  // Whitespace RFC 8259 allows (space, tab, CR, LF) around a valid body is fine.
  HttpResponse padded = api.PostHoldBody(" \t\r\n" + hold + "} \t\r\n");
  CheckJsonAnswer(padded);
  BOOST_TEST(padded.status == 201, padded.Describe());
}

// Problem 11: t is compared with now without arithmetic that can overflow; absurd t values are
// stale, even when the HMAC over them is right.
BOOST_AUTO_TEST_CASE(signature_times_near_the_int64_limits_are_401) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  std::string body = Api::WebhookBody(UniqueName("sig"), order, "success");
  int64_t now = NowUnixSeconds();
  RowCounts before = CountRows(db);
  // Signed correctly, with the test secret, at an absurd time.
  for (int64_t t : {INT64_MIN, INT64_MIN + 1, INT64_MIN + 300, INT64_MAX, INT64_MAX - 1,
                    INT64_MAX - 300, int64_t{0}, int64_t{-1}, now - 400, now + 400,
                    now - 86400 * 365, -now}) {
    BOOST_TEST_CONTEXT("signed at t=" << t) {
      CheckJsonError(api.WebhookRaw(body, SignatureHeader(kWebhookSecret, body, t)), 401,
                     "invalid_signature");
    }
  }
  // t that is no int64 at all, or no number; HMACs computed over the same text.
  std::string digits(1000, '9');
  for (const std::string& t :
       {std::string("9223372036854775808"), std::string("-9223372036854775809"),
        std::string("99999999999999999999999999"), "-" + digits, digits, std::string(""),
        std::string("+") + std::to_string(now), " " + std::to_string(now),
        std::to_string(now) + ".0", std::to_string(now) + "e0", std::string("0x10"),
        std::string("1e3"), std::string("\xEF\xBC\x91")}) {
    BOOST_TEST_CONTEXT("t=<" << Printable(t, 40) << ">") {
      std::string v1 = HmacSha256Hex(kWebhookSecret, t + "." + body);
      CheckJsonError(api.WebhookRaw(body, "t=" + t + ",v1=" + v1), 401, "invalid_signature");
    }
  }
  // Headers of the wrong shape.
  std::string good = SignatureHeader(kWebhookSecret, body, now);
  std::string good_v1 = HmacSha256Hex(kWebhookSecret, std::to_string(now) + "." + body);
  std::string upper_v1 = good_v1;
  for (char& c : upper_v1) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& header :
       {std::string(""), std::string("t="), std::string("v1="), "t=" + std::to_string(now),
        "v1=" + good_v1, "t=" + std::to_string(now) + ",v1=" + upper_v1,
        "t=" + std::to_string(now) + ",t=" + std::to_string(now) + ",v1=" + good_v1,
        "t=" + std::to_string(now) + ",v1=" + good_v1.substr(1),
        "t=" + std::to_string(now) + ",v1=" + good_v1 + "0", std::string(7000, ','),
        "t=" + std::to_string(now) + std::string(6000, ' ') + ",v1=" + good_v1}) {
    BOOST_TEST_CONTEXT("X-Signature <" << Printable(header, 80) << ">") {
      CheckJsonError(api.WebhookRaw(body, header), 401, "invalid_signature");
    }
  }
  CheckJsonError(api.WebhookRaw(body, std::nullopt), 401, "invalid_signature");
  // Two X-Signature headers are no signature, even two good ones.
  RawResponse twice = RawRequest(
      Stack().port(), RawRequestText("POST", "/api/payments/webhook",
                                     {{"X-Signature", good}, {"X-Signature", good}}, body));
  CheckJsonError(twice, 401, "invalid_signature");
  CheckNothingRecorded(db, before);
  BOOST_TEST(OrderStatus(db, order) == "pending");

  // And the right signature now still works.
  HttpResponse ok = api.WebhookRaw(body, good);
  CheckJsonAnswer(ok);
  BOOST_TEST(ok.status == 200, ok.Describe());
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
