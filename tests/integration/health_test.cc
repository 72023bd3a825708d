// GET /api/health, and what the API does while Redis or MariaDB is down (the API reference "Health"):
// Redis down is 200 degraded and the API keeps serving; MariaDB down is 503 down, writes answer
// 503 service_unavailable with Retry-After; both recover once the server is back.
#include <boost/test/unit_test.hpp>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

// Starts the component again at scope exit if the test stopped it (even when an assertion
// aborted the test), so later tests find a whole stack.
class RestartOnExit {
 public:
  explicit RestartOnExit(void (TestStack::*start)()) : start_(start) {}
  ~RestartOnExit() {
    if (!armed_) return;
    try {
      (Stack().*start_)();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restart a stopped component: " << e.what());
    }
  }
  void Disarm() { armed_ = false; }

 private:
  void (TestStack::*start_)();
  bool armed_ = true;
};

bool HealthIs(const Api& api, const std::string& status, const std::string& cache) {
  HttpResponse r = api.http().Get("/api/health");
  return r.status == 200 && r.json_ok && r.json["status"].asString() == status &&
         r.json["cache"].asString() == cache;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(health)

BOOST_AUTO_TEST_CASE(everything_up_is_ok) {
  Api api;
  HttpResponse r = api.http().Get("/api/health");
  BOOST_TEST(r.status == 200, r.Describe());
  BOOST_TEST(r.Header("Content-Type").rfind("application/json", 0) == 0u, r.Header("Content-Type"));
  BOOST_REQUIRE_MESSAGE(r.json_ok && r.json.isObject(), r.Describe());
  BOOST_TEST(r.json["status"].asString() == "ok");
  BOOST_TEST(r.json["database"].asString() == "ok");
  BOOST_TEST(r.json["cache"].asString() == "ok");
}

BOOST_AUTO_TEST_CASE(redis_down_is_degraded_and_the_api_keeps_serving) {
  Api api;
  int64_t product = MustCreateProduct(api, 10, "12.34");
  MustGetProduct(api, product);  // the entry is in the cache now

  RestartOnExit restart(&TestStack::StartRedis);
  Stack().StopRedis();

  HttpResponse h = api.http().Get("/api/health");
  BOOST_TEST(h.status == 200, h.Describe());
  BOOST_TEST(h.json["status"].asString() == "degraded", h.Describe());
  BOOST_TEST(h.json["cache"].asString() == "down", h.Describe());
  BOOST_TEST(h.json["database"].asString() == "ok", h.Describe());

  ProductView before = MustGetProduct(api, product);
  BOOST_TEST(before.stock == 10);
  BOOST_TEST(before.available == 10);

  // Holds: create, read, release, all while the cache is down.
  HttpResponse hold = api.PostHold(product, 3);
  BOOST_REQUIRE_MESSAGE(hold.status == 201, hold.Describe());
  int64_t hold_id = hold.json["hold_id"].asInt64();
  BOOST_TEST(MustGetProduct(api, product).available == 7);
  HttpResponse got = api.GetHold(hold_id);
  BOOST_TEST(got.status == 200, got.Describe());
  BOOST_TEST(got.json["status"].asString() == "active", got.Describe());
  HttpResponse released = api.DeleteHold(hold_id);
  BOOST_TEST(released.status == 200, released.Describe());
  BOOST_TEST(released.json["status"].asString() == "released", released.Describe());
  BOOST_TEST(MustGetProduct(api, product).available == 10);

  // An order paid while the cache is down.
  int64_t order = MustOrder(api, MustHold(api, product, 2));
  HttpResponse paid = api.Webhook(UniqueName("pay"), order, "success");
  BOOST_TEST(paid.status == 200, paid.Describe());
  ProductView during = MustGetProduct(api, product);
  BOOST_TEST(during.stock == 8);
  BOOST_TEST(during.available == 8);

  Stack().StartRedis();
  restart.Disarm();
  BOOST_TEST(Eventually(10000, [&] { return HealthIs(api, "ok", "ok"); }),
             "health did not return to ok after Redis came back");
  // Every write made while Redis was down is visible once it is back.
  ProductView after = MustGetProduct(api, product);
  BOOST_TEST(after.stock == 8);
  BOOST_TEST(after.available == 8);
  DbProbe db(Stack().mysql_socket());
  CheckInvariants(db, "writes while Redis was down");
}

BOOST_AUTO_TEST_CASE(database_down_is_503_and_recovers) {
  Api api;
  int64_t product = MustCreateProduct(api, 5, "3.00");
  MustGetProduct(api, product);

  RestartOnExit restart(&TestStack::StartDb);
  Stack().StopDb();

  HttpResponse h = api.http().Get("/api/health");
  BOOST_TEST(h.status == 503, h.Describe());
  BOOST_TEST(h.Header("Content-Type").rfind("application/json", 0) == 0u, h.Describe());
  BOOST_TEST(h.json["status"].asString() == "down", h.Describe());

  HttpResponse hold = api.PostHold(product, 1);
  BOOST_TEST(hold.status == 503, hold.Describe());
  BOOST_TEST(hold.ErrorCode() == "service_unavailable", hold.Describe());
  BOOST_TEST(hold.HasHeader("Retry-After"), "no Retry-After on " << hold.Describe());

  // A read may be served from the cache, but then it must be right; otherwise it is a 503.
  HttpResponse read = api.GetProduct(product);
  if (read.status == 200) {
    BOOST_TEST(read.json["available"].asInt64() == 5, read.Describe());
  } else {
    BOOST_TEST(read.status == 503, read.Describe());
    BOOST_TEST(read.ErrorCode() == "service_unavailable", read.Describe());
    BOOST_TEST(read.HasHeader("Retry-After"), read.Describe());
  }

  Stack().StartDb();
  restart.Disarm();
  BOOST_TEST(Eventually(20000, [&] { return HealthIs(api, "ok", "ok"); }),
             "health did not return to ok after MariaDB came back");
  HttpResponse again = api.PostHold(product, 1);
  BOOST_TEST(again.status == 201, again.Describe());
  BOOST_TEST(MustGetProduct(api, product).available == 4);
  DbProbe db(Stack().mysql_socket());
  BOOST_TEST(CountHolds(db, product) == 1, "the hold tried while MariaDB was down left a row");
  CheckInvariants(db, "MariaDB outage");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
