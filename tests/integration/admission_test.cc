// Admission control and the per-client rate limit (conf/nginx/flashsale-limits.conf; the API
// reference's Conventions). Thousands of buyers at once each get a real answer: 201, 409
// insufficient_stock, or 503 overloaded with Retry-After, all JSON; never a 502 or 504, never a
// connection left without an answer; and the database holds exactly the holds the clients were
// told about. A client over the per-client rate, when the operator sets one, gets 429
// rate_limited with Retry-After. The bursts come from tests/support/burst_client.h: every
// connection opened first, then every request written at once.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../support/api.h"
#include "../support/burst_client.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/openapi_check.h"
#include "../support/raw_http.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

constexpr int kBurstTimeoutMs = 120000;

// What a burst got back. `failed`: anything but the answers the contract allows under load.
struct Tally {
  int ok = 0;          // 201 active hold (or 200 for GET)
  int sold_out = 0;    // 409 insufficient_stock
  int overloaded = 0;  // 503 overloaded with Retry-After
  int failed = 0;      // 502, 504, no answer, anything else
  std::string first_failures;

  std::string Text() const {
    std::ostringstream out;
    out << "ok " << ok << ", sold out " << sold_out << ", overloaded " << overloaded
        << ", failed " << failed << first_failures;
    return out.str();
  }
};

bool IsJson(const HttpResponse& r) {
  return r.json_ok && r.json.isObject() &&
         r.Header("content-type").rfind("application/json", 0) == 0;
}

// Sorts each answer of a burst of `method` `path`; each is also checked against the API
// reference, like every answer HttpClient receives.
Tally Sort(const std::vector<HttpResponse>& answers, const std::string& method,
           const std::string& path, long ok_status) {
  Tally t;
  for (const HttpResponse& r : answers) {
    if (r.status != 0) AuditResponse(method, path, r);
    if (r.status == ok_status && IsJson(r)) {
      ++t.ok;
    } else if (r.status == 409 && IsJson(r) && r.ErrorCode() == "insufficient_stock") {
      ++t.sold_out;
    } else if (r.status == 503 && IsJson(r) && r.ErrorCode() == "overloaded" &&
               r.Header("retry-after") == "1") {
      ++t.overloaded;
    } else {
      if (t.failed < 3) t.first_failures += "\n  " + r.Describe();
      ++t.failed;
    }
  }
  return t;
}

// `wanted` connections, or as many as this process may open (its soft limit raised to the hard
// one), keeping a margin for the test's other files.
int BurstSize(int wanted) {
  long limit = RaiseOpenFileLimit();
  int n = static_cast<int>(std::min<long>(wanted, limit - 256));
  if (n < wanted) {
    BOOST_TEST_MESSAGE("RLIMIT_NOFILE " << limit << ": a burst of " << n << " instead of " << wanted);
  }
  BOOST_REQUIRE_MESSAGE(n >= 100, "RLIMIT_NOFILE " << limit << " is too small for a burst");
  return n;
}

std::vector<HttpResponse> HoldBurst(int64_t product, int connections) {
  std::string body = "{\"product_id\":" + std::to_string(product) + ",\"quantity\":1}";
  std::string request =
      RawRequestText("POST", "/api/holds", {{"Content-Type", "application/json"}}, body);
  return SendBurst(Stack().port(), request, connections, kBurstTimeoutMs, "POST /api/holds");
}

// The database agrees with the clients: the product's holds are exactly the 201s they saw.
void CheckHoldsMatch(DbProbe& db, int64_t product, const Tally& t, const std::string& context) {
  BOOST_TEST(CountHolds(db, product) == t.ok, context << ": hold rows vs 201s seen");
  BOOST_TEST(ReadDbProduct(db, product).reserved == t.ok, context << ": reserved vs 201s seen");
  CheckInvariants(db, context);
}

// Runs the test with nginx restarted on other settings, and goes back to the defaults at the
// end whatever happens in between.
class NginxSettings {
 public:
  explicit NginxSettings(const EnvOverrides& env) { Stack().RestartNginx(env); }
  ~NginxSettings() {
    try {
      Stack().RestartNginx({});
    } catch (const std::exception& e) {
      BOOST_ERROR("restoring nginx's default settings failed: " << e.what());
    }
  }
  NginxSettings(const NginxSettings&) = delete;
  NginxSettings& operator=(const NginxSettings&) = delete;
};

std::string ReadFrom(const std::string& path, std::streamoff offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(offset);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::streamoff FileSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return in ? static_cast<std::streamoff>(in.tellg()) : 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admission)

// The stack's default settings (admission_limit 1024, fcgi_backlog 4096), a few thousand buyers
// at once on a 1000-unit product.
BOOST_AUTO_TEST_CASE(a_burst_gets_201_409_or_503_overloaded_and_never_a_502) {
  const int n = BurstSize(3000);
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1000);

  Tally t = Sort(HoldBurst(product, n), "POST", "/api/holds", 201);
  BOOST_TEST_MESSAGE("burst of " << n << " holds: " << t.Text());
  BOOST_TEST(t.failed == 0, t.Text());
  BOOST_TEST(t.ok + t.sold_out + t.overloaded == n, t.Text());
  BOOST_TEST(t.ok > 0, t.Text());
  BOOST_TEST(t.ok <= 1000, t.Text());
  CheckHoldsMatch(db, product, t, "a burst of " + std::to_string(n) + " holds");
}

// With a tiny admission limit most of a burst is refused at once, as JSON with Retry-After, and
// nothing refused leaves a trace. /api/health is under admission too: its 503 is then an Error
// body, not a Health one (the API reference allows both).
BOOST_AUTO_TEST_CASE(past_the_admission_limit_the_answer_is_503_overloaded) {
  const int n = BurstSize(500);
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 100);
  NginxSettings small(EnvOverrides{{"FLASHSALE_ADMISSION_LIMIT", "8"}});

  Tally t = Sort(HoldBurst(product, n), "POST", "/api/holds", 201);
  BOOST_TEST_MESSAGE("burst of " << n << " holds, admission_limit 8: " << t.Text());
  BOOST_TEST(t.failed == 0, t.Text());
  BOOST_TEST(t.overloaded > 0, t.Text());
  BOOST_TEST(t.ok > 0, t.Text());
  CheckHoldsMatch(db, product, t, "a burst of holds with admission_limit 8");

  std::string health = RawRequestText("GET", "/api/health");
  Tally h = Sort(SendBurst(Stack().port(), health, 200, kBurstTimeoutMs, "GET /api/health"),
                 "GET", "/api/health", 200);
  BOOST_TEST_MESSAGE("burst of 200 health checks, admission_limit 8: " << h.Text());
  BOOST_TEST(h.failed == 0, h.Text());
  BOOST_TEST(h.overloaded > 0, h.Text());
}

// What admission control is for: when the pool's listen queue is shorter than what nginx lets
// through, a burst overflows it and nginx answers 502 (every burst did before admission
// control). The pool warns about that setting at start; and this shows the burst tests above
// do see a 502 when there is one.
BOOST_AUTO_TEST_CASE(a_listen_queue_shorter_than_the_admission_limit_is_warned_about) {
  const int n = BurstSize(600);
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 1000);
  const std::string log = Stack().var_dir() + "/log/flashsale.log";
  std::streamoff before = FileSize(log);
  struct RestorePool {
    ~RestorePool() {
      try {
        Stack().RestartPool({});
      } catch (const std::exception& e) {
        BOOST_ERROR("restoring the pool's default settings failed: " << e.what());
      }
    }
  } restore;
  Stack().RestartPool({{"FLASHSALE_FCGI_BACKLOG", "64"}});
  std::string started = ReadFrom(log, before);
  BOOST_TEST(started.find("listen queue of 64 is shorter than admission_limit = 1024") !=
                 std::string::npos,
             started);

  Tally t = Sort(HoldBurst(product, n), "POST", "/api/holds", 201);
  BOOST_TEST_MESSAGE("burst of " << n << " holds, fcgi_backlog 64: " << t.Text());
  BOOST_TEST(t.failed > 0, "no 502 with a listen queue of 64: " << t.Text());
  CheckHoldsMatch(db, product, t, "a burst of holds with fcgi_backlog 64");
}

// The per-client rate limit (off by default): 429 rate_limited with Retry-After past the rate
// and its burst, nothing written for a refused hold; and off again, nothing is refused.
BOOST_AUTO_TEST_CASE(a_client_over_the_rate_limit_gets_429_rate_limited) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  {
    NginxSettings limited(EnvOverrides{{"FLASHSALE_RATE_LIMIT_PER_SECOND", "2"},
                                       {"FLASHSALE_RATE_LIMIT_BURST", "3"}});
    SleepMillis(2500);  // the restart's own health probes used the budget; let it refill
    auto start = std::chrono::steady_clock::now();
    int passed = 0, refused = 0;
    for (int i = 0; i < 20; ++i) {
      HttpResponse r = api.GetProduct(product);
      if (r.status == 200) {
        ++passed;
        continue;
      }
      ++refused;
      BOOST_TEST(r.status == 429, r.Describe());
      BOOST_TEST(r.ErrorCode() == "rate_limited", r.Describe());
      BOOST_TEST(r.Header("retry-after") == "1", r.Describe());
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // 1 + burst at once, then 2 a second.
    BOOST_TEST(passed >= 1);
    BOOST_TEST(passed <= 4 + 2 * static_cast<int>(seconds + 1), passed << " passed in " << seconds << " s");
    BOOST_TEST(refused >= 1);

    HttpResponse hold = api.PostHold(product, 1);
    BOOST_TEST(hold.status == 429, hold.Describe());
    BOOST_TEST(hold.ErrorCode() == "rate_limited", hold.Describe());
    BOOST_TEST(CountHolds(db, product) == 0, "a refused hold left a row");
  }
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = api.GetProduct(product);
    BOOST_TEST(r.status == 200, "rate limit still on after restoring the defaults: " << r.Describe());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
