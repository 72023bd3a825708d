#include "checkout_clients.h"

#include <random>

namespace flashsale::itest {

CheckoutClients::CheckoutClients(const Api& api, std::vector<int64_t> products, int threads)
    : api_(api), products_(std::move(products)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Buyer(i); });
}

CheckoutClients::~CheckoutClients() { Stop(); }

void CheckoutClients::Stop() {
  stop_.store(true);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

HttpResponse CheckoutClients::Resolve(const std::function<HttpResponse()>& request) {
  int64_t deadline = NowMillis() + kResolveTimeoutMs;
  static thread_local std::mt19937 rng{std::random_device{}()};
  for (;;) {
    HttpResponse r = request();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++ledger_.attempts[r.status];
    }
    bool unknown = r.status == 0 || r.status == 502 || r.status == 503 || r.status == 504 ||
                   (r.status == 409 && r.ErrorCode() == "idempotency_key_in_use");
    if (!unknown) {
      definite_.fetch_add(1);
      return r;
    }
    if (NowMillis() >= deadline) {
      std::lock_guard<std::mutex> lock(mu_);
      ledger_.unresolved.push_back(r.Describe());
      return r;
    }
    SleepMillis(std::uniform_int_distribution<int>(30, 150)(rng));
  }
}

void CheckoutClients::Surprise(const HttpResponse& r) {
  std::lock_guard<std::mutex> lock(mu_);
  ledger_.surprises.push_back(r.Describe());
}

void CheckoutClients::Buyer(int index) {
  std::mt19937 rng(static_cast<unsigned>(std::random_device{}()) + static_cast<unsigned>(index));
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  while (!stop_.load()) {
    int64_t product = products_[rng() % products_.size()];
    int64_t quantity = 1 + static_cast<int64_t>(rng() % 2);
    Headers hold_key = {{"Idempotency-Key", UniqueName("chaos-hold")}};
    HttpResponse hold = Resolve([&] { return api_.PostHold(product, quantity, hold_key); });
    if (hold.status == 409 && hold.ErrorCode() == "insufficient_stock") {
      std::lock_guard<std::mutex> lock(mu_);
      ++ledger_.refused_holds;
      continue;
    }
    if (hold.status != 201) {
      if (!hold.error.empty() || hold.status >= 500 || hold.status == 0) continue;  // unresolved
      Surprise(hold);
      continue;
    }
    int64_t hold_id = hold.json["hold_id"].asInt64();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ledger_.holds[hold_id] = {product, quantity, Ledger::HoldFate::kHeld, ""};
    }
    if (chance(0.65)) {
      Headers order_key = {{"Idempotency-Key", UniqueName("chaos-order")}};
      HttpResponse order = Resolve([&] { return api_.PostOrder(hold_id, order_key); });
      if (order.status == 409 && order.ErrorCode() == "hold_expired") {
        std::lock_guard<std::mutex> lock(mu_);
        ledger_.holds[hold_id].fate = Ledger::HoldFate::kExpiredAtOrder;
        continue;
      }
      if (order.status != 201) {
        if (order.status != 0 && order.status < 500) Surprise(order);
        continue;
      }
      int64_t order_id = order.json["order_id"].asInt64();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ledger_.holds[hold_id].fate = Ledger::HoldFate::kOrdered;
        ledger_.orders[order_id] = {hold_id, order.json["status"].asString()};
      }
      if (chance(0.8)) {
        std::string status = chance(0.7) ? "success" : "failed";
        std::string key = UniqueName("chaos-pay");
        HttpResponse paid = Resolve([&] { return api_.Webhook(key, order_id, status); });
        if (paid.status != 200) {
          if (paid.status != 0 && paid.status < 500) Surprise(paid);
          continue;
        }
        std::lock_guard<std::mutex> lock(mu_);
        ledger_.orders[order_id].status = paid.json["status"].asString();
      }
    } else if (chance(0.4)) {
      HttpResponse released = Resolve([&] { return api_.DeleteHold(hold_id); });
      if (released.status != 200) {
        if (released.status != 0 && released.status < 500) Surprise(released);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      ledger_.holds[hold_id].fate = Ledger::HoldFate::kReleased;
      ledger_.holds[hold_id].release_status = released.json["status"].asString();
    }
  }
}

}  // namespace flashsale::itest
