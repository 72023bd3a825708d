// Api: the checkout API (app/api/openapi/openapi.json) as the integration tests call it, plus the small
// helpers most tests need: unique names, money in raw JSON text, RFC 3339 times, running a
// request from many threads at once.
//
// Api's methods never assert and are safe to call from many threads. The Must* helpers assert
// with BOOST_REQUIRE and so belong to a test's main thread only (Boost.Test assertions are not
// thread-safe).
#pragma once

#include <cstdint>
#include <exception>
#include <latch>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_client.h"
#include "test_stack.h"

namespace flashsale::itest {

class Api {
 public:
  Api();  // talks to Stack()
  explicit Api(std::string base_url);

  const HttpClient& http() const { return http_; }

  HttpResponse CreateProduct(const std::string& body, const std::string& token = kAdminToken) const;
  HttpResponse PatchProduct(int64_t id, const std::string& body,
                            const std::string& token = kAdminToken) const;
  HttpResponse GetProduct(int64_t id) const;

  HttpResponse PostHold(int64_t product_id, int64_t quantity, const Headers& headers = {}) const;
  // A hold for `buyer_id` (written into the body as a JSON string, escaped).
  HttpResponse PostHoldFor(int64_t product_id, int64_t quantity, const std::string& buyer_id,
                           const Headers& headers = {}) const;
  HttpResponse PostHoldBody(const std::string& body, const Headers& headers = {}) const;
  HttpResponse GetHold(int64_t id) const;
  HttpResponse DeleteHold(int64_t id) const;

  HttpResponse PostOrder(int64_t hold_id, const Headers& headers = {}) const;
  HttpResponse PostOrderBody(const std::string& body, const Headers& headers = {}) const;
  HttpResponse GetOrder(int64_t id) const;

  // A webhook signed with the test secret at the current time.
  HttpResponse Webhook(const std::string& idempotency_key, int64_t order_id,
                       const std::string& status) const;
  // A webhook with this exact body and X-Signature (nullopt: no header at all).
  HttpResponse WebhookRaw(const std::string& body, const std::optional<std::string>& signature) const;
  // A webhook with this exact body, signed with the test secret now.
  HttpResponse WebhookSigned(const std::string& body) const;
  static std::string WebhookBody(const std::string& idempotency_key, int64_t order_id,
                                 const std::string& status);

  HttpResponse GetLogs(const std::string& query) const;  // query: "limit=2&type=..." or ""

 private:
  HttpClient http_;
};

struct ProductView {
  int64_t stock = 0;
  int64_t available = 0;
};

// Creates a product through the admin API (201 required); returns its id.
int64_t MustCreateProduct(const Api& api, int64_t stock, const std::string& price = "10.00",
                          const std::string& name = "");
// The same with "max_per_buyer": limit (a JSON literal: "2", "null").
int64_t MustCreateLimitedProduct(const Api& api, int64_t stock, const std::string& limit);
int64_t MustHold(const Api& api, int64_t product_id, int64_t quantity);  // 201 → hold_id
int64_t MustOrder(const Api& api, int64_t hold_id);                      // 201 → order_id
ProductView MustGetProduct(const Api& api, int64_t product_id);          // 200 → counters

// "itest-<prefix>-<pid>-<n>": unique across the run and across runs of this binary.
std::string UniqueName(std::string_view prefix);

// True when `body` contains `"key": LITERAL` as a JSON number written exactly so (whitespace
// around the colon allowed, LITERAL followed by `,` `}` `]` or whitespace). This is how money is
// checked: "price":59.90 must appear as written, not 59.9 or 59.899999.
bool HasRawNumber(const std::string& body, const std::string& key, const std::string& literal);

// Milliseconds since the epoch of "YYYY-MM-DDTHH:MM:SS.mmmZ" (exactly that shape), or nullopt.
std::optional<int64_t> ParseRfc3339Millis(const std::string& text);
int64_t NowMillis();
void SleepUntilMillis(int64_t deadline_ms);
void SleepMillis(int64_t ms);

// Polls `probe` every 100 ms until it returns true or `timeout_ms` passes; returns its last
// answer.
template <class Probe>
bool Eventually(int64_t timeout_ms, Probe&& probe) {
  int64_t deadline = NowMillis() + timeout_ms;
  for (;;) {
    if (probe()) return true;
    if (NowMillis() >= deadline) return false;
    SleepMillis(100);
  }
}

// Runs fn(i) for i in [0, n) on n threads released together; returns the results in order.
// fn must not throw (an exception becomes a default-constructed result and `failures` counts
// it when given).
template <class Fn>
auto RunConcurrently(int n, Fn fn, int* failures = nullptr) {
  using Result = decltype(fn(0));
  std::vector<Result> results(static_cast<size_t>(n));
  std::vector<char> failed(static_cast<size_t>(n), 0);
  std::latch gate(n);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      gate.arrive_and_wait();
      try {
        results[static_cast<size_t>(i)] = fn(i);
      } catch (...) {
        failed[static_cast<size_t>(i)] = 1;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (failures != nullptr) {
    *failures = 0;
    for (char f : failed) *failures += f;
  }
  return results;
}

}  // namespace flashsale::itest
