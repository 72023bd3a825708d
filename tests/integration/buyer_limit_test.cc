// The per-buyer limit (the API reference "Holds", "Operator endpoints"): with max_per_buyer set, a hold
// needs a buyer_id, and one that would take the buyer's units of the product (active holds +
// pending orders + paid orders) above the limit is 409 buyer_limit_exceeded with "limit" and
// "remaining". It holds under any concurrency (parallel holds of one buyer, with and without
// Idempotency-Key; many buyers racing for the last units), released, cancelled and expired
// units stop counting, and a changed limit applies to the holds that follow.
#include <boost/test/unit_test.hpp>
#include <map>
#include <thread>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

// The buyer's units that count against the limit, read from the database.
int64_t BuyerUnits(DbProbe& db, int64_t product, const std::string& buyer) {
  return db.Int(
      "SELECT (SELECT COALESCE(SUM(quantity), 0) FROM holds WHERE product_id = ? AND buyer_id = ?"
      "          AND status = 'active' AND expires_at > UTC_TIMESTAMP(3))"
      "     + (SELECT COALESCE(SUM(quantity), 0) FROM orders WHERE product_id = ? AND buyer_id = ?"
      "          AND (status = 'paid' OR (status = 'pending' AND expires_at > UTC_TIMESTAMP(3))))",
      {product, buyer, product, buyer});
}

void ExpectOverLimit(const HttpResponse& r, int64_t limit, int64_t remaining) {
  BOOST_TEST(r.status == 409, r.Describe());
  BOOST_TEST(r.ErrorCode() == "buyer_limit_exceeded", r.Describe());
  BOOST_TEST(r.json["error"]["limit"].asInt64() == limit, r.body);
  BOOST_TEST(r.json["error"]["remaining"].isIntegral(), r.body);
  BOOST_TEST(r.json["error"]["remaining"].asInt64() == remaining, r.body);
}

void ExpectBuyerRequired(const HttpResponse& r) {
  BOOST_TEST(r.status == 422, r.Describe());
  BOOST_TEST(r.ErrorCode() == "validation_failed", r.Describe());
  BOOST_TEST(r.json["error"]["fields"]["buyer_id"].isString(), r.body);
}

int64_t MustHoldFor(const Api& api, int64_t product, int64_t quantity, const std::string& buyer) {
  HttpResponse r = api.PostHoldFor(product, quantity, buyer);
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.Describe());
  BOOST_REQUIRE_MESSAGE(r.json["buyer_id"].asString() == buyer, r.body);
  return r.json["hold_id"].asInt64();
}

Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

// N parallel holds of one buyer (quantities 1 and 2), keyed or not: what was granted never
// exceeds the limit, every refusal says how much was left, and the database agrees.
//
// To make the race certain rather than lucky, the test holds the product row's lock while the
// holds start: every hold transaction gets as far as its last statement (the counter update)
// and waits there with its limit check done, so without a per-buyer lock all the pool's workers
// would pass the check together; then the lock is let go. Holds of other buyers first let
// every worker learn that the product is limited (else the first holds would take the unlimited
// path, be refused at the counter update and come back one by one, racing less).
void ParallelHoldsOfOneBuyer(const Api& api, DbProbe& db, bool keyed) {
  const int64_t kLimit = 5;
  const int kThreads = 40;
  int64_t product = MustCreateLimitedProduct(api, 1000, std::to_string(kLimit));
  std::string buyer = UniqueName("one-buyer");
  std::string prefix = UniqueName("key");
  const int kWarmup = 4 * kWorkers;
  for (const HttpResponse& r : RunConcurrently(kWarmup, [&](int i) {
         return api.PostHoldFor(product, 1, buyer + "-warmup-" + std::to_string(i));
       })) {
    BOOST_TEST_REQUIRE(r.status == 201, r.Describe());
  }
  DbProbe blocker(Stack().mysql_socket());
  blocker.Exec("START TRANSACTION");
  BOOST_TEST_REQUIRE(blocker.Query("SELECT id FROM products WHERE id = ? FOR UPDATE", {product})
                         .size() == 1u);
  std::thread unblock([&] {
    SleepMillis(700);
    blocker.Exec("COMMIT");
  });
  int64_t started = NowMillis();
  std::vector<HttpResponse> answers = RunConcurrently(kThreads, [&](int i) {
    Headers headers = keyed ? Key(prefix + "-" + std::to_string(i)) : Headers{};
    return api.PostHoldFor(product, 1 + i % 2, buyer, headers);
  });
  unblock.join();
  BOOST_TEST_MESSAGE("parallel holds took " << NowMillis() - started << " ms");
  int64_t granted = 0, created = 0;
  for (int i = 0; i < kThreads; ++i) {
    const HttpResponse& r = answers[static_cast<size_t>(i)];
    BOOST_TEST_CONTEXT("request " << i << ": " << r.body) {
      if (r.status == 201) {
        granted += 1 + i % 2;
        ++created;
        continue;
      }
      BOOST_TEST_REQUIRE(r.status == 409, r.Describe());
      BOOST_TEST(r.ErrorCode() == "buyer_limit_exceeded");
      BOOST_TEST(r.json["error"]["limit"].asInt64() == kLimit);
      BOOST_TEST(r.json["error"]["remaining"].asInt64() < 1 + i % 2);
    }
  }
  BOOST_TEST_MESSAGE("granted " << granted << " in " << created << " holds");
  BOOST_TEST(granted <= kLimit, "the buyer got " << granted << " units with a limit of " << kLimit);
  BOOST_TEST(granted >= kLimit - 1, "only " << granted << " units granted");
  BOOST_TEST(BuyerUnits(db, product, buyer) == granted);
  BOOST_TEST(CountHolds(db, product) == created + kWarmup);
  BOOST_TEST(MustGetProduct(api, product).available == 1000 - granted - kWarmup);
  if (keyed) {
    // Every key replays its first answer, refusals included.
    for (int i = 0; i < kThreads; i += 7) {
      HttpResponse again =
          api.PostHoldFor(product, 1 + i % 2, buyer, Key(prefix + "-" + std::to_string(i)));
      BOOST_TEST(again.status == answers[static_cast<size_t>(i)].status, again.Describe());
      BOOST_TEST(again.body == answers[static_cast<size_t>(i)].body);
    }
    BOOST_TEST(CountHolds(db, product) == created + kWarmup);
  }
  CheckInvariants(db, keyed ? "parallel keyed holds of one buyer" : "parallel holds of one buyer");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(buyer_limit)

BOOST_AUTO_TEST_CASE(parallel_holds_of_one_buyer_never_pass_the_limit) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  for (int round = 0; round < 3; ++round) {
    BOOST_TEST_CONTEXT("round " << round) { ParallelHoldsOfOneBuyer(api, db, false); }
  }
}

BOOST_AUTO_TEST_CASE(parallel_keyed_holds_of_one_buyer_never_pass_the_limit) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  for (int round = 0; round < 2; ++round) {
    BOOST_TEST_CONTEXT("round " << round) { ParallelHoldsOfOneBuyer(api, db, true); }
  }
}

// 20 buyers, 3 requests each, a limit of 2 and 30 units: the stock sells out exactly, nobody
// gets more than 2, and a buyer refused for the limit has exactly 2.
BOOST_AUTO_TEST_CASE(many_buyers_race_for_the_last_units_with_limits_on) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  const int kBuyers = 20, kPerBuyer = 3;
  int64_t product = MustCreateLimitedProduct(api, 30, "2");
  std::vector<std::string> buyers;
  for (int b = 0; b < kBuyers; ++b) buyers.push_back(UniqueName("racer"));
  std::vector<HttpResponse> answers = RunConcurrently(kBuyers * kPerBuyer, [&](int i) {
    return api.PostHoldFor(product, 1, buyers[static_cast<size_t>(i % kBuyers)]);
  });
  std::map<std::string, int64_t> held;
  std::map<std::string, bool> refused_for_limit;
  int created = 0;
  for (int i = 0; i < kBuyers * kPerBuyer; ++i) {
    const HttpResponse& r = answers[static_cast<size_t>(i)];
    const std::string& buyer = buyers[static_cast<size_t>(i % kBuyers)];
    BOOST_TEST_CONTEXT(buyer << ": " << r.body) {
      if (r.status == 201) {
        ++held[buyer];
        ++created;
        continue;
      }
      BOOST_TEST_REQUIRE(r.status == 409, r.Describe());
      BOOST_TEST((r.ErrorCode() == "buyer_limit_exceeded" || r.ErrorCode() == "insufficient_stock"));
      if (r.ErrorCode() == "buyer_limit_exceeded") refused_for_limit[buyer] = true;
    }
  }
  BOOST_TEST(created == 30);
  for (const std::string& buyer : buyers) {
    BOOST_TEST_CONTEXT(buyer) {
      BOOST_TEST(held[buyer] <= 2);
      BOOST_TEST(BuyerUnits(db, product, buyer) == held[buyer]);
      if (refused_for_limit[buyer]) BOOST_TEST(held[buyer] == 2);
    }
  }
  BOOST_TEST(ReadDbProduct(db, product).reserved == 30);
  BOOST_TEST(MustGetProduct(api, product).available == 0);
  CheckInvariants(db, "many buyers racing with limits");
}

BOOST_AUTO_TEST_CASE(a_limited_product_needs_a_buyer_id) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateLimitedProduct(api, 50, "2");
  std::string p = std::to_string(product);
  ExpectBuyerRequired(api.PostHold(product, 1));
  ExpectBuyerRequired(api.PostHoldBody("{\"product_id\":" + p + ",\"quantity\":1,\"buyer_id\":null}"));
  // Keyed: refused the same way, and the refusal is what the key replays.
  std::string key = UniqueName("no-buyer");
  HttpResponse keyed = api.PostHold(product, 1, Key(key));
  ExpectBuyerRequired(keyed);
  BOOST_TEST(api.PostHold(product, 1, Key(key)).body == keyed.body);
  // Through a warm cache (the snapshot knows the limit) as well as the database.
  BOOST_TEST(api.GetProduct(product).json["max_per_buyer"].asInt64() == 2);
  BOOST_TEST(api.GetProduct(product).json["max_per_buyer"].asInt64() == 2);
  for (int i = 0; i < 8; ++i) ExpectBuyerRequired(api.PostHold(product, 1));

  // buyer_id itself: 1 to 255 characters, a string.
  for (const std::string& bad : {std::string("\"\""), "\"" + std::string(256, 'b') + "\"",
                                 std::string("123"), std::string("[\"x\"]")}) {
    BOOST_TEST_CONTEXT(bad.substr(0, 20)) {
      HttpResponse r = api.PostHoldBody("{\"product_id\":" + p + ",\"quantity\":1,\"buyer_id\":" +
                                        bad + "}");
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.json["error"]["fields"]["buyer_id"].isString(), r.body);
    }
  }
  std::string euros;
  for (int i = 0; i < 255; ++i) euros += "\xE2\x82\xAC";  // 255 characters, 765 bytes
  MustHoldFor(api, product, 1, euros);
  BOOST_TEST(CountHolds(db, product) == 1);

  // Buyers are compared byte for byte.
  MustHoldFor(api, product, 2, "c1");
  MustHoldFor(api, product, 2, "c1 ");
  MustHoldFor(api, product, 2, "C1");
  ExpectOverLimit(api.PostHoldFor(product, 1, "c1"), 2, 0);

  // Without a limit, buyer_id is optional and only recorded.
  int64_t free = MustCreateProduct(api, 50);
  HttpResponse anonymous = api.PostHold(free, 1);
  BOOST_TEST(anonymous.status == 201, anonymous.Describe());
  BOOST_TEST(anonymous.json["buyer_id"].isNull(), anonymous.body);
  MustHoldFor(api, free, 20, "c1");
  MustHoldFor(api, free, 20, "c1");
  CheckInvariants(db, "buyer_id required");
}

BOOST_AUTO_TEST_CASE(released_and_cancelled_units_stop_counting_paid_ones_do_not) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateLimitedProduct(api, 100, "3");
  std::string buyer = UniqueName("buyer");
  int64_t first = MustHoldFor(api, product, 3, buyer);
  ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 3, 0);
  BOOST_TEST_REQUIRE(api.DeleteHold(first).status == 200);

  HttpResponse order = api.PostOrder(MustHoldFor(api, product, 3, buyer));
  BOOST_TEST_REQUIRE(order.status == 201, order.Describe());
  BOOST_TEST(order.json["buyer_id"].asString() == buyer, order.body);
  int64_t order_id = order.json["order_id"].asInt64();
  BOOST_TEST(api.GetOrder(order_id).json["buyer_id"].asString() == buyer);
  ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 3, 0);  // pending orders count
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("cancel"), order_id, "failed").status == 200);

  int64_t two = MustHoldFor(api, product, 2, buyer);
  ExpectOverLimit(api.PostHoldFor(product, 2, buyer), 3, 1);
  int64_t paid = MustOrder(api, two);
  BOOST_TEST_REQUIRE(api.Webhook(UniqueName("pay"), paid, "success").status == 200);
  MustHoldFor(api, product, 1, buyer);  // 2 paid + 1 held
  ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 3, 0);
  BOOST_TEST(BuyerUnits(db, product, buyer) == 3);
  // Another buyer is not affected.
  MustHoldFor(api, product, 3, UniqueName("other"));
  CheckInvariants(db, "limit after release and payments");
}

BOOST_AUTO_TEST_CASE(changing_the_limit_while_holds_exist) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 100);
  std::string buyer = UniqueName("buyer");
  MustHoldFor(api, product, 4, buyer);
  MustHold(api, product, 1);  // no buyer: never counts for anyone

  // Lowered below what the buyer holds: the holds stay, the next one is refused.
  HttpResponse patch = api.PatchProduct(product, "{\"max_per_buyer\":2}");
  BOOST_TEST_REQUIRE(patch.status == 200, patch.Describe());
  BOOST_TEST(patch.json["max_per_buyer"].asInt64() == 2, patch.body);
  // Every worker (each guesses whether a product is limited) applies it from now on.
  for (int i = 0; i < 2 * kWorkers; ++i) ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 2, 0);
  for (int i = 0; i < kWorkers; ++i) ExpectBuyerRequired(api.PostHold(product, 1));
  std::string other = UniqueName("other");
  MustHoldFor(api, product, 2, other);
  ExpectOverLimit(api.PostHoldFor(product, 1, other), 2, 0);
  BOOST_TEST(MustGetProduct(api, product).available == 93);

  // Raised: room again.
  BOOST_TEST_REQUIRE(api.PatchProduct(product, "{\"max_per_buyer\":6}").status == 200);
  MustHoldFor(api, product, 2, buyer);
  ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 6, 0);

  // Removed: no limit, no buyer needed, on every worker.
  BOOST_TEST_REQUIRE(api.PatchProduct(product, "{\"max_per_buyer\":null}").status == 200);
  for (int i = 0; i < kWorkers; ++i) {
    MustHoldFor(api, product, 1, buyer);
    HttpResponse anonymous = api.PostHold(product, 1);
    BOOST_TEST(anonymous.status == 201, anonymous.Describe());
  }
  BOOST_TEST(BuyerUnits(db, product, buyer) == 6 + kWorkers);
  CheckInvariants(db, "limit changed while holds exist");
}

BOOST_AUTO_TEST_SUITE_END()

// With hold and order windows of 2 s: expired units stop counting at expires_at, whether or not
// anything released them.
namespace {
constexpr int kShortTtl = 2;
struct ShortWindows {
  ShortWindows() {
    Stack().RestartPool({{"FLASHSALE_HOLD_TTL_SECONDS", std::to_string(kShortTtl)},
                         {"FLASHSALE_ORDER_TTL_SECONDS", std::to_string(kShortTtl)}});
  }
  ~ShortWindows() {
    try {
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restore the pool's default windows: " << e.what());
    }
  }
};

int64_t ExpiresAt(const HttpResponse& r) {
  std::optional<int64_t> at = ParseRfc3339Millis(r.json["expires_at"].asString());
  BOOST_REQUIRE_MESSAGE(at.has_value(), r.body);
  BOOST_REQUIRE_MESSAGE(*at <= NowMillis() + kShortTtl * 1000 + 1000, "not a short window: " << r.body);
  return *at;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(buyer_limit_expiry, *boost::unit_test::fixture<ShortWindows>())

BOOST_AUTO_TEST_CASE(expired_holds_and_orders_stop_counting_at_expires_at) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateLimitedProduct(api, 100, "2");
  std::string buyer = UniqueName("buyer");

  HttpResponse hold = api.PostHoldFor(product, 2, buyer);
  BOOST_TEST_REQUIRE(hold.status == 201, hold.Describe());
  int64_t hold_expiry = ExpiresAt(hold);
  ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 2, 0);
  SleepUntilMillis(hold_expiry + 100);
  HttpResponse next = api.PostHoldFor(product, 2, buyer);  // no job ran: the hold just expired
  BOOST_TEST_REQUIRE(next.status == 201, next.Describe());
  BOOST_TEST(HoldStatus(db, hold.json["hold_id"].asInt64()) == "active");  // nobody released it

  HttpResponse order = api.PostOrder(next.json["hold_id"].asInt64());
  BOOST_TEST_REQUIRE(order.status == 201, order.Describe());
  int64_t order_expiry = ExpiresAt(order);
  ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 2, 0);
  SleepUntilMillis(order_expiry + 100);
  HttpResponse after_order = api.PostHoldFor(product, 2, buyer);
  BOOST_TEST_REQUIRE(after_order.status == 201, after_order.Describe());
  BOOST_TEST(OrderStatus(db, order.json["order_id"].asInt64()) == "pending");

  // A payment after the window: the order stays expired and does not count.
  HttpResponse late = api.Webhook(UniqueName("late"), order.json["order_id"].asInt64(), "success");
  BOOST_TEST(late.json["status"].asString() == "expired", late.Describe());
  ExpectOverLimit(api.PostHoldFor(product, 1, buyer), 2, 0);
  BOOST_TEST(BuyerUnits(db, product, buyer) == 2);
  CheckInvariants(db, "limit after expiry");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
