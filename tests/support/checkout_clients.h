// CheckoutClients: buyers doing hold -> order -> signed webhook (or a release) in a loop, every
// write with an Idempotency-Key or webhook key, while the fault tests break things around them.
//
// A buyer treats "no answer", 502, 503, 504 and 409 idempotency_key_in_use as "outcome
// unknown" and retries the same request with the same key until it gets a definite answer (or
// gives up after kResolveTimeoutMs: "unresolved"). Every definite answer goes into the Ledger:
// what the clients were told. The fault tests then hold the database to it (faults_test.cc).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api.h"

namespace flashsale::itest {

struct Ledger {
  // What a buyer was told about each hold it got a 201 for.
  enum class HoldFate { kHeld, kOrdered, kReleased, kExpiredAtOrder };
  struct Hold {
    int64_t product_id = 0;
    int64_t quantity = 0;
    HoldFate fate = HoldFate::kHeld;
    std::string release_status;  // "released" or "expired", for kReleased
  };
  struct Order {
    int64_t hold_id = 0;
    std::string status;  // the last status an answer reported: pending, paid, cancelled
  };

  std::map<int64_t, Hold> holds;
  std::map<int64_t, Order> orders;
  int64_t refused_holds = 0;          // definite 409 insufficient_stock
  std::map<long, int64_t> attempts;   // every HTTP status seen, retries included (0: no answer)
  std::vector<std::string> surprises;   // definite answers the contract does not allow here
  std::vector<std::string> unresolved;  // requests still without a definite answer at the end
};

class CheckoutClients {
 public:
  static constexpr int64_t kResolveTimeoutMs = 90000;

  CheckoutClients(const Api& api, std::vector<int64_t> products, int threads);
  ~CheckoutClients();

  // Each buyer finishes the checkout it is in (retrying until definite), then stops.
  void Stop();
  // Definite answers so far, across all buyers.
  int64_t definite() const { return definite_.load(); }
  // Call after Stop().
  const Ledger& ledger() const { return ledger_; }

 private:
  void Buyer(int index);
  HttpResponse Resolve(const std::function<HttpResponse()>& request);
  void Surprise(const HttpResponse& r);

  const Api& api_;
  std::vector<int64_t> products_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> definite_{0};
  std::mutex mu_;
  Ledger ledger_;
};

}  // namespace flashsale::itest
