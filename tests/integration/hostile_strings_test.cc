// Hostile input, part 2: strings (the API reference, Conventions). Request strings are valid UTF-8 with no
// lone surrogate escape, lengths count characters, the Idempotency-Key header is 1 to 255
// characters of visible ASCII, and strings are compared byte for byte. Issue 8, problems 1, 2,
// 3, 4, 8 and 10. Every refusal must leave the database as it was.
#include <boost/test/unit_test.hpp>
#include <cctype>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/hostile_checks.h"
#include "../support/raw_http.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

const Headers kJson = {{"Content-Type", "application/json"}};

// A POST whose headers are written byte for byte (libcurl would refuse or fold some).
RawResponse RawPost(const std::string& path, const std::string& body, Headers headers) {
  headers.insert(headers.begin(), kJson.begin(), kJson.end());
  return RawRequest(Stack().port(), RawRequestText("POST", path, headers, body));
}

std::string HoldBody(int64_t product) {
  return "{\"product_id\":" + std::to_string(product) + ",\"quantity\":1}";
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Strings that are not UTF-8: a Latin-1 byte, a cut sequence, an encoded surrogate (CESU-8),
// an overlong "/", a code point above U+10FFFF, a stray continuation byte, 0xFF.
const std::string kInvalidUtf8[] = {"caf\xE9",     "caf\xC3",       "\xED\xA0\x80x",
                                    "\xC0\xAF",    "\xF4\x90\x80\x80", "a\x80z",
                                    "\xFF\xFE"};

// Escapes that decode to no Unicode scalar value.
const std::string kLoneSurrogates[] = {"\\udc00", "\\ud800", "\\ud83d", "a\\ud83dz",
                                       "\\ud83d\\u0041", "\\ude00\\ud83d", "\\uDBFF"};

const std::string kSmile = "\xF0\x9F\x98\x80";  // U+1F600 in UTF-8
const std::string kEuro = "\xE2\x82\xAC";       // U+20AC in UTF-8

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)
BOOST_FIXTURE_TEST_SUITE(strings, PoolWatch)

// Problem 1 (and 10): the key is 1 to 255 characters of visible ASCII, 0x21-0x7E.
BOOST_AUTO_TEST_CASE(idempotency_key_outside_visible_ascii_is_422_and_records_nothing) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t hold = MustHold(api, product, 1);
  RowCounts before = CountRows(db);
  const std::string keys[] = {
      "caf\xE9",                    // Latin-1 e-acute
      "caf\xC3\xA9",                // UTF-8 e-acute
      kEuro + "uro",                // visible, but not ASCII
      "a b",                        // a space inside
      "a\tb",                       // a tab inside
      "ab\x7F",                     // DEL
      "\x01" "ab",                  // a control character
      std::string(256, 'k'),        // one character too many
      "",                           // empty
      "   ",                        // only whitespace, which HTTP strips: empty
  };
  for (const std::string& key : keys) {
    BOOST_TEST_CONTEXT("Idempotency-Key <" << Printable(key, 40) << ">") {
      CheckValidationFailed(RawPost("/api/holds", HoldBody(product), {{"Idempotency-Key", key}}),
                            "Idempotency-Key");
      CheckValidationFailed(RawPost("/api/orders", "{\"hold_id\":" + std::to_string(hold) + "}",
                                    {{"Idempotency-Key", key}}),
                            "Idempotency-Key");
    }
  }
  // Two keys in one request are no key: refused, not one of them picked.
  for (const std::string& path : {"/api/holds", "/api/orders"}) {
    BOOST_TEST_CONTEXT("two Idempotency-Key headers on " << path) {
      std::string body = path == "/api/holds" ? HoldBody(product)
                                              : "{\"hold_id\":" + std::to_string(hold) + "}";
      CheckValidationFailed(
          RawPost(path, body, {{"Idempotency-Key", "dup-a"}, {"Idempotency-Key", "dup-b"}}),
          "Idempotency-Key");
    }
  }
  CheckNothingRecorded(db, before);
  BOOST_TEST(HoldStatus(db, hold) == "active");

  // The edges that are valid: 255 characters, and the first and last visible characters.
  std::string longest = UniqueName("k");
  longest.resize(255, '~');
  for (const std::string& key : {longest, std::string("!"), std::string("~")}) {
    BOOST_TEST_CONTEXT("Idempotency-Key of " << key.size() << " characters") {
      RawResponse first = RawPost("/api/holds", HoldBody(product), {{"Idempotency-Key", key}});
      RawResponse again = RawPost("/api/holds", HoldBody(product), {{"Idempotency-Key", key}});
      CheckJsonAnswer(first);
      BOOST_TEST(first.status == 201, AnswerText(first));
      BOOST_TEST(again.body == first.body, "not a replay: " << AnswerText(again));
    }
  }
}

// HTTP strips whitespace around a header value (RFC 9110, 5.5): "k " on the wire is the key
// "k", so it cannot even be sent; it replays "k". Inside the value, a space is refused above.
BOOST_AUTO_TEST_CASE(whitespace_around_an_idempotency_key_is_not_part_of_it) {
  Api api;
  int64_t product = MustCreateProduct(api, 10);
  std::string key = UniqueName("ows");
  RawResponse first = RawPost("/api/holds", HoldBody(product), {{"Idempotency-Key", key}});
  BOOST_TEST(first.status == 201, AnswerText(first));
  for (const std::string& sent : {key + " ", " " + key, "\t" + key + "\t"}) {
    RawResponse again = RawPost("/api/holds", HoldBody(product), {{"Idempotency-Key", sent}});
    BOOST_TEST(again.body == first.body, "<" << Printable(sent) << ">: " << AnswerText(again));
  }
  // A header name with "_" is dropped by nginx (it would reach FastCGI under the same name).
  DbProbe db(Stack().mysql_socket());
  int64_t keys_before = db.Int("SELECT COUNT(*) FROM idempotency_keys");
  RawResponse underscored =
      RawPost("/api/holds", HoldBody(product), {{"Idempotency_Key", "not a valid key"}});
  BOOST_TEST(underscored.status == 201, AnswerText(underscored));
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM idempotency_keys") == keys_before);
}

// Problem 8: keys are compared byte for byte. MariaDB's default collations ignore trailing
// spaces and case; the keys below were taken for one another.
BOOST_AUTO_TEST_CASE(keys_and_types_are_compared_byte_for_byte) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t order_a = MustOrder(api, MustHold(api, product, 1));
  int64_t order_b = MustOrder(api, MustHold(api, product, 1));
  int64_t order_c = MustOrder(api, MustHold(api, product, 1));
  std::string k = UniqueName("wk");

  HttpResponse first = api.Webhook(k, order_a, "success");
  CheckJsonAnswer(first);
  BOOST_TEST(first.status == 200, first.Describe());
  BOOST_TEST(first.json["applied"].asBool());
  // "k " is another key: for another order it applies (with "k" it would be a reused key, 409).
  HttpResponse spaced = api.Webhook(k + " ", order_b, "success");
  CheckJsonAnswer(spaced);
  BOOST_TEST(spaced.status == 200, spaced.Describe());
  BOOST_TEST(spaced.json["applied"].asBool(), spaced.Describe());
  BOOST_TEST(!spaced.json["duplicate"].asBool(), spaced.Describe());
  // For the order "k" settled, "k  " is a new event for an order settled by another key.
  HttpResponse other = api.Webhook(k + "  ", order_a, "success");
  BOOST_TEST(other.status == 200, other.Describe());
  BOOST_TEST(!other.json["applied"].asBool(), other.Describe());
  BOOST_TEST(!other.json["duplicate"].asBool(), other.Describe());
  // Case counts too.
  std::string upper = k;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  HttpResponse cased = api.Webhook(upper, order_c, "success");
  BOOST_TEST(cased.status == 200, cased.Describe());
  BOOST_TEST(cased.json["applied"].asBool(), cased.Describe());
  BOOST_TEST(OrderStatus(db, order_b) == "paid");
  BOOST_TEST(OrderStatus(db, order_c) == "paid");

  // Idempotency-Key: "Key-x" and "key-x" are two keys, so two holds.
  std::string key = UniqueName("Key");
  HttpResponse h1 = api.PostHold(product, 1, {{"Idempotency-Key", key}});
  std::string lower = key;
  lower[0] = 'k';
  HttpResponse h2 = api.PostHold(product, 1, {{"Idempotency-Key", lower}});
  BOOST_TEST(h1.status == 201, h1.Describe());
  BOOST_TEST(h2.status == 201, h2.Describe());
  BOOST_TEST(h1.json["hold_id"].asInt64() != h2.json["hold_id"].asInt64());

  // /api/logs?type= matches the type exactly.
  int64_t after = db.LastMetricsId();
  MustHold(api, product, 1);
  for (const char* type : {"HOLD_CREATED", "hold_created%20", "hold_created%09", "Hold_created",
                           "hold_created%00", "%20hold_created", "hold_create"}) {
    BOOST_TEST_CONTEXT("type=" << type) {
      HttpResponse r = api.GetLogs("after_id=" + std::to_string(after) + "&type=" + type);
      CheckJsonAnswer(r);
      BOOST_TEST(r.status == 200, r.Describe());
      BOOST_TEST(r.json["data"].size() == 0u, r.Describe());
    }
  }
  HttpResponse exact = api.GetLogs("after_id=" + std::to_string(after) + "&type=hold_created");
  BOOST_TEST(exact.json["data"].size() == 1u, exact.Describe());
}

// Problems 2 and 3: a string that is not UTF-8 makes the body no JSON at all.
BOOST_AUTO_TEST_CASE(invalid_utf8_in_a_string_is_400_invalid_json) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  std::string name = UniqueName("utf8");
  int64_t product = MustCreateProduct(api, 5, "10.00", name);
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  RowCounts before = CountRows(db);
  for (const std::string& bad : kInvalidUtf8) {
    BOOST_TEST_CONTEXT("string <" << Printable(bad) << ">") {
      CheckJsonError(api.WebhookSigned("{\"idempotency_key\":\"" + bad + "\",\"order_id\":" +
                                       std::to_string(order) + ",\"status\":\"success\"}"),
                     400, "invalid_json");
      CheckJsonError(api.CreateProduct("{\"name\":\"" + bad + "\",\"price\":1,\"stock\":1}"), 400,
                     "invalid_json");
      CheckJsonError(api.PatchProduct(product, "{\"name\":\"" + bad + "\"}"), 400, "invalid_json");
      CheckJsonError(api.PostHoldBody("{\"product_id\":" + std::to_string(product) +
                                      ",\"quantity\":1,\"note\":\"" + bad + "\"}"),
                     400, "invalid_json");
      CheckJsonError(api.PostOrderBody("{\"hold_id\":1,\"" + bad + "\":1}"), 400, "invalid_json");
    }
  }
  CheckNothingRecorded(db, before);
  BOOST_TEST(OrderStatus(db, order) == "pending");
  HttpResponse p = api.GetProduct(product);
  BOOST_TEST(p.json["name"].asString() == name, p.Describe());
}

// Problem 4: "\udc00" and the like are refused wherever a string can be; a valid pair is one
// character and comes back as its UTF-8 bytes.
BOOST_AUTO_TEST_CASE(lone_surrogates_are_400_and_pairs_are_one_character) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  std::string name = UniqueName("sur");
  int64_t product = MustCreateProduct(api, 5, "10.00", name);
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  RowCounts before = CountRows(db);
  for (const std::string& esc : kLoneSurrogates) {
    BOOST_TEST_CONTEXT("escape " << esc) {
      CheckJsonError(api.CreateProduct("{\"name\":\"" + esc + "\",\"price\":1,\"stock\":1}"), 400,
                     "invalid_json");
      CheckJsonError(api.PatchProduct(product, "{\"name\":\"x" + esc + "\"}"), 400, "invalid_json");
      CheckJsonError(api.WebhookSigned("{\"idempotency_key\":\"" + esc + "\",\"order_id\":" +
                                       std::to_string(order) + ",\"status\":\"success\"}"),
                     400, "invalid_json");
      CheckJsonError(api.PostHoldBody("{\"product_id\":" + std::to_string(product) +
                                      ",\"quantity\":1,\"" + esc + "\":true}"),
                     400, "invalid_json");
      CheckJsonError(api.PostOrderBody("{\"hold_id\":1,\"x\":[\"" + esc + "\"]}"), 400,
                     "invalid_json");
    }
  }
  CheckNothingRecorded(db, before);
  BOOST_TEST(OrderStatus(db, order) == "pending");
  BOOST_TEST(api.GetProduct(product).json["name"].asString() == name);

  // The pair: accepted, stored and given back as U+1F600, in product answers and in the log.
  std::string smile_name = UniqueName("smile") + " \\ud83d\\ude00";
  HttpResponse created = api.CreateProduct("{\"name\":\"" + smile_name + "\",\"price\":1,\"stock\":2}");
  CheckJsonAnswer(created);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.Describe());
  std::string got = created.json["name"].asString();
  BOOST_TEST(got.substr(got.size() - 5) == " " + kSmile, Printable(got));
  int64_t smile = created.json["id"].asInt64();
  HttpResponse read = api.GetProduct(smile);
  CheckJsonAnswer(read);
  BOOST_TEST(read.json["name"].asString() == got, Printable(read.body));
  HttpResponse patched = api.PatchProduct(smile, "{\"name\":\"\\ud83d\\ude00\"}");
  CheckJsonAnswer(patched);
  BOOST_TEST(patched.json["name"].asString() == kSmile, Printable(patched.body));
  BOOST_TEST(db.Str("SELECT HEX(name) FROM products WHERE id = ?", {smile}) == "F09F9880");

  int64_t after = db.LastMetricsId();
  std::string key = UniqueName("pay") + "-\\ud83d\\ude00";
  HttpResponse paid = api.WebhookSigned("{\"idempotency_key\":\"" + key + "\",\"order_id\":" +
                                        std::to_string(order) + ",\"status\":\"success\"}");
  CheckJsonAnswer(paid);
  BOOST_TEST(paid.status == 200, paid.Describe());
  HttpResponse logs = api.GetLogs("type=order_paid&after_id=" + std::to_string(after));
  CheckJsonAnswer(logs);
  BOOST_REQUIRE_MESSAGE(logs.json["data"].size() == 1u, logs.Describe());
  std::string logged = logs.json["data"][0]["payload"]["idempotency_key"].asString();
  BOOST_TEST(logged.size() >= 4u);
  BOOST_TEST(logged.substr(logged.size() - 4) == kSmile, Printable(logged));
}

// Problem 10: lengths are characters. 255 x "€" (765 bytes) is a valid name, 256 x is not;
// the same with a 4-byte character.
BOOST_AUTO_TEST_CASE(lengths_count_characters_not_bytes) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  for (const std::string& ch : {kEuro, kSmile, std::string("\\u20ac"), std::string("e")}) {
    BOOST_TEST_CONTEXT("character " << Printable(ch)) {
      std::string decoded = ch == "\\u20ac" ? kEuro : ch;
      HttpResponse ok = api.CreateProduct("{\"name\":\"" + Repeat(ch, 255) + "\",\"price\":1,\"stock\":1}");
      CheckJsonAnswer(ok);
      BOOST_TEST(ok.status == 201, ok.Describe());
      BOOST_TEST(ok.json["name"].asString() == Repeat(decoded, 255));
      HttpResponse patched = api.PatchProduct(product, "{\"name\":\"" + Repeat(ch, 255) + "\"}");
      BOOST_TEST(patched.status == 200, patched.Describe());
      RowCounts before = CountRows(db);
      CheckValidationFailed(
          api.CreateProduct("{\"name\":\"" + Repeat(ch, 256) + "\",\"price\":1,\"stock\":1}"), "name");
      CheckValidationFailed(api.PatchProduct(product, "{\"name\":\"" + Repeat(ch, 256) + "\"}"),
                            "name");
      CheckValidationFailed(api.CreateProduct("{\"name\":\"\",\"price\":1,\"stock\":1}"), "name");
      CheckNothingRecorded(db, before);
    }
  }
  // A webhook key of 255 characters is fine, 256 is not.
  int64_t order = MustOrder(api, MustHold(api, product, 1));
  RowCounts before = CountRows(db);
  CheckValidationFailed(api.WebhookSigned("{\"idempotency_key\":\"" + Repeat(kEuro, 256) +
                                          "\",\"order_id\":" + std::to_string(order) +
                                          ",\"status\":\"success\"}"),
                        "idempotency_key");
  CheckNothingRecorded(db, before);
  HttpResponse paid = api.WebhookSigned("{\"idempotency_key\":\"" + UniqueName("") +
                                        Repeat(kEuro, 200) + "\",\"order_id\":" +
                                        std::to_string(order) + ",\"status\":\"success\"}");
  BOOST_TEST(paid.status == 200, paid.Describe());
  // /api/logs?type= is 1 to 64 characters.
  std::string euro_q = "%E2%82%AC";
  HttpResponse t64 = api.GetLogs("type=" + Repeat(euro_q, 64));
  CheckJsonAnswer(t64);
  BOOST_TEST(t64.status == 200, t64.Describe());
  CheckValidationFailed(api.GetLogs("type=" + Repeat(euro_q, 65)), "type");
  CheckValidationFailed(api.GetLogs("type=%FF"), "type");
  CheckValidationFailed(api.GetLogs("type="), "type");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
