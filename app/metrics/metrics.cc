#include "metrics/metrics.h"

#include <string>

#include "metrics/catalog.h"
#include "process/scoreboard.h"

namespace flashsale::metrics {
namespace {

Registry* g_registry = nullptr;  // made once, before fork(); inherited by the workers

// Methods a route can have; anything else a client sends is "other", so no client can make
// series without end.
std::string_view MethodLabel(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == m) return m;
  }
  return "other";
}

// Business outcomes carry an error code of the contract; anything else decided nothing.
bool IsOutcome(const Status& s) {
  return s.ok() || s.code() == Code::kConflict || s.code() == Code::kNotFound ||
         s.code() == Code::kInvalidArgument;
}

}  // namespace

void Install(void* area, size_t bytes, bool initialize) {
  g_registry = new Registry(area, bytes, initialize);
}

Registry* Shared() { return g_registry; }

void RequestRouted(std::string_view method, std::string_view route) {
  if (process::Scoreboard* board = process::Scoreboard::Self()) {
    board->RequestRouted(process::Scoreboard::SelfSlot(), method, route);
  }
}

void RequestServed(std::string_view method, std::string_view route, int status, int64_t micros) {
  if (g_registry == nullptr) return;
  std::string code = std::to_string(status);
  std::string_view m = MethodLabel(method);
  g_registry->Add(kHttpRequests, {{"method", m}, {"route", route}, {"status", code}});
  g_registry->Observe(kHttpDuration, {{"method", m}, {"route", route}},
                      micros < 0 ? 0 : static_cast<uint64_t>(micros));
}

void HoldDecided(const Status& s, bool answered_by_cache) {
  if (g_registry == nullptr || !IsOutcome(s)) return;
  g_registry->Add(kHolds, {{"outcome", s.ok() ? std::string_view("granted") : s.error()},
                           {"answered_by", answered_by_cache ? "cache" : "database"}});
}

void OrderDecided(const Status& s) {
  if (g_registry == nullptr || !IsOutcome(s)) return;
  g_registry->Add(kOrders, {{"outcome", s.ok() ? std::string_view("created") : s.error()}});
}

void WebhookDecided(const Status& s, std::string_view outcome, std::string_view payment) {
  if (g_registry == nullptr || !IsOutcome(s)) return;
  g_registry->Add(kWebhooks, {{"outcome", s.ok() ? outcome : s.error()}, {"payment", payment}});
}

void KeyedWorkDecided(std::string_view scope, const Status& s) {
  if (scope == "holds") {
    HoldDecided(s, /*answered_by_cache=*/false);
  } else if (scope == "orders") {
    OrderDecided(s);
  }
}

void TxRetried(std::string_view cause) {
  if (g_registry != nullptr) g_registry->Add(kDbRetries, {{"cause", cause}});
}

void TxUnavailable(std::string_view cause) {
  if (g_registry != nullptr) g_registry->Add(kDbUnavailable, {{"cause", cause}});
}

void CacheLookup(std::string_view result) {
  if (g_registry != nullptr) g_registry->Add(kCacheLookups, {{"result", result}});
}

void CacheFill(std::string_view result) {
  if (g_registry != nullptr) g_registry->Add(kCacheFills, {{"result", result}});
}

void CacheInvalidation(std::string_view result) {
  if (g_registry != nullptr) g_registry->Add(kCacheInvalidations, {{"result", result}});
}

}  // namespace flashsale::metrics
