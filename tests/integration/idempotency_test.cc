// Idempotency-Key on POST /api/holds and POST /api/orders (the API reference "Retry safety"): a repeat
// with the same key and body gets the first answer byte for byte and changes nothing; another
// body is 422 idempotency_key_reused; concurrent repeats never do the work twice.
#include <boost/test/unit_test.hpp>
#include <map>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

// Every answer is the first one replayed (same status, same bytes) or 409
// idempotency_key_in_use, and at least one is the real answer. Anything else (a 503 because the
// repeats deadlocked each other, say) is reported once with its count and first example.
void CheckConcurrentRepeats(const std::vector<HttpResponse>& answers, long status) {
  const HttpResponse* first = nullptr;
  int in_use = 0, replays = 0;
  std::vector<const HttpResponse*> other;
  for (const HttpResponse& r : answers) {
    if (r.status == 409 && r.ErrorCode() == "idempotency_key_in_use") {
      ++in_use;
    } else if (r.status == status) {
      ++replays;
      if (first == nullptr) {
        first = &r;
      } else {
        BOOST_TEST(r.body == first->body, "two different answers for one key: " << first->body
                                                                                << " / " << r.body);
      }
    } else {
      other.push_back(&r);
    }
  }
  BOOST_TEST(first != nullptr, "no repeat got the real answer");
  BOOST_TEST(other.empty(), other.size() << " of " << answers.size()
                                         << " repeats answered neither the first answer nor "
                                            "409 idempotency_key_in_use; first: "
                                         << (other.empty() ? "" : other[0]->Describe()));
  BOOST_TEST_MESSAGE(replays << " answers replayed, " << in_use << " in use");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency)

BOOST_AUTO_TEST_CASE(hold_repeat_replays_the_first_answer) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t marker = db.LastMetricsId();
  std::string key = UniqueName("hold-key");

  HttpResponse first = api.PostHold(product, 2, Key(key));
  BOOST_TEST_REQUIRE(first.status == 201, first.Describe());
  HttpResponse again = api.PostHold(product, 2, Key(key));
  BOOST_TEST(again.status == 201, again.Describe());
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.Header("Content-Type").rfind("application/json", 0) == 0u);
  BOOST_TEST(CountHolds(db, product) == 1);
  BOOST_TEST(MustGetProduct(api, product).available == 8);

  // Even after the hold was released, the repeat is the first answer and takes nothing.
  BOOST_TEST_REQUIRE(api.DeleteHold(first.json["hold_id"].asInt64()).status == 200);
  HttpResponse later = api.PostHold(product, 2, Key(key));
  BOOST_TEST(later.status == 201, later.Describe());
  BOOST_TEST(later.body == first.body);
  BOOST_TEST(CountHolds(db, product) == 1);
  BOOST_TEST(MustGetProduct(api, product).available == 10);
  BOOST_TEST(db.CountMetrics("hold_created", marker) == 1);

  // Without a key, the same request twice is two holds.
  BOOST_TEST(api.PostHold(product, 1).status == 201);
  BOOST_TEST(api.PostHold(product, 1).status == 201);
  BOOST_TEST(CountHolds(db, product) == 3);
  CheckInvariants(db, "hold replays");
}

BOOST_AUTO_TEST_CASE(hold_key_with_another_body_is_422) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t other = MustCreateProduct(api, 10);
  std::string key = UniqueName("hold-key");
  BOOST_TEST_REQUIRE(api.PostHold(product, 2, Key(key)).status == 201);
  for (const std::string& body :
       {"{\"product_id\":" + std::to_string(product) + ",\"quantity\":3}",
        "{\"product_id\":" + std::to_string(other) + ",\"quantity\":2}"}) {
    BOOST_TEST_CONTEXT(body) {
      HttpResponse r = api.PostHoldBody(body, Key(key));
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.ErrorCode() == "idempotency_key_reused", r.Describe());
    }
  }
  BOOST_TEST(CountHolds(db, product) == 1);
  BOOST_TEST(CountHolds(db, other) == 0);
  BOOST_TEST(MustGetProduct(api, product).available == 8);
}

BOOST_AUTO_TEST_CASE(a_refusal_is_replayed_too) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1);
  std::string key = UniqueName("refused");
  HttpResponse first = api.PostHold(product, 2, Key(key));
  BOOST_TEST_REQUIRE(first.status == 409, first.Describe());
  BOOST_TEST_REQUIRE(api.PatchProduct(product, "{\"stock\":10}").status == 200);
  HttpResponse again = api.PostHold(product, 2, Key(key));
  BOOST_TEST(again.status == 409, again.Describe());
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(CountHolds(db, product) == 0);
  BOOST_TEST(MustGetProduct(api, product).available == 10);
}

BOOST_AUTO_TEST_CASE(key_length_is_1_to_255) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  std::string longest = UniqueName("long");
  longest.append(255 - longest.size(), 'x');
  HttpResponse ok = api.PostHold(product, 1, Key(longest));
  BOOST_TEST(ok.status == 201, ok.Describe());
  HttpResponse replay = api.PostHold(product, 1, Key(longest));
  BOOST_TEST(replay.body == ok.body);
  HttpResponse too_long = api.PostHold(product, 1, Key(longest + "x"));
  BOOST_TEST(too_long.status == 422, too_long.Describe());
  BOOST_TEST(too_long.ErrorCode() == "validation_failed", too_long.Describe());
  BOOST_TEST(CountHolds(db, product) == 1);
}

BOOST_AUTO_TEST_CASE(order_repeat_replays_the_first_answer) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10, "3.33");
  int64_t hold = MustHold(api, product, 3);
  int64_t other_hold = MustHold(api, product, 1);
  std::string key = UniqueName("order-key");

  HttpResponse first = api.PostOrder(hold, Key(key));
  BOOST_TEST_REQUIRE(first.status == 201, first.Describe());
  BOOST_TEST(HasRawNumber(first.body, "total_price", "9.99"), first.body);
  HttpResponse again = api.PostOrder(hold, Key(key));
  BOOST_TEST(again.status == 201, again.Describe());
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(CountOrders(db, product) == 1);

  // Paid in the meantime: the repeat is still the first answer, and changes nothing.
  int64_t order = first.json["order_id"].asInt64();
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("pay"), order, "success").status == 200);
  HttpResponse later = api.PostOrder(hold, Key(key));
  BOOST_TEST(later.status == 201, later.Describe());
  BOOST_TEST(later.body == first.body);
  BOOST_TEST(OrderStatus(db, order) == "paid");

  HttpResponse reused = api.PostOrder(other_hold, Key(key));
  BOOST_TEST(reused.status == 422, reused.Describe());
  BOOST_TEST(reused.ErrorCode() == "idempotency_key_reused", reused.Describe());
  BOOST_TEST(CountOrders(db, product) == 1);
  BOOST_TEST(HoldStatus(db, other_hold) == "active");
  CheckInvariants(db, "order replays");
}

BOOST_AUTO_TEST_CASE(concurrent_hold_repeats_make_one_hold) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  for (int round = 0; round < 5; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      int64_t product = MustCreateProduct(api, 10);
      std::string key = UniqueName("concurrent-hold");
      std::vector<HttpResponse> answers =
          RunConcurrently(30, [&](int) { return api.PostHold(product, 2, Key(key)); });
      CheckConcurrentRepeats(answers, 201);
      BOOST_TEST(CountHolds(db, product) == 1);
      BOOST_TEST(MustGetProduct(api, product).available == 8);
      CheckInvariants(db, "concurrent hold repeats");
    }
  }
}

BOOST_AUTO_TEST_CASE(concurrent_order_repeats_make_one_order) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  for (int round = 0; round < 5; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      int64_t product = MustCreateProduct(api, 10);
      int64_t hold = MustHold(api, product, 2);
      std::string key = UniqueName("concurrent-order");
      std::vector<HttpResponse> answers =
          RunConcurrently(30, [&](int) { return api.PostOrder(hold, Key(key)); });
      CheckConcurrentRepeats(answers, 201);
      BOOST_TEST(CountOrders(db, product) == 1);
      CheckInvariants(db, "concurrent order repeats");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
