// The pool's metrics: one call per event, at the few places where the event is already decided,
// so handlers and services do not grow metric code. Every call is a no-op outside a pool (the
// expiry job, the migrations, the tests, the fuzzers): only a process with a registry installed
// (the pool's master, before its first fork, and so every worker) counts.
//
// Where each family is counted (the names are in the README's Operations section):
//   api/api.cc             requests by method, route template and status; latency by route
//   domain/hold_service.cc holds granted and refused, by reason and by who answered (cache or
//                          database); domain/idempotency.cc the same for keyed holds and orders
//   domain/order_service.cc, payment_service.cc  orders and webhooks by outcome
//   store/db.cc            transaction retries and 503s by cause
//   store/product_cache.cc cache lookups, fills and invalidations
// A business outcome is counted once per request that decided it (not per retry of its
// transaction, not for a replayed Idempotency-Key answer); a failure that decided nothing (503,
// 500) is counted by the request and database families only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metrics/registry.h"
#include "util/status.h"

namespace flashsale::metrics {

// The pool's registry in `area` (the scoreboard's metrics area), for this process and every
// process it forks afterwards. `initialize`: a fresh area (see Registry).
void Install(void* area, size_t bytes, bool initialize);
// The installed registry, or nullptr.
Registry* Shared();

// ---- The request path (api/api.cc).
// The router matched `route` (a template such as "/api/holds/{id}", or kUnmatched): shown for
// this worker on GET /status while the request runs.
void RequestRouted(std::string_view method, std::string_view route);
// The answer: counted by method, route and status, its duration in the route's histogram.
void RequestServed(std::string_view method, std::string_view route, int status, int64_t micros);
inline constexpr std::string_view kUnmatched = "unmatched";

// ---- Domain outcomes. `s` is the outcome: OK, or the business refusal (its error code is the
// reason); other failures (unavailable, internal, retryable) are not outcomes and not counted.
void HoldDecided(const Status& s, bool answered_by_cache);
void OrderDecided(const Status& s);
// `outcome` for an OK status: applied, deferred, ignored, after_expiry or duplicate.
// `payment`: the webhook's status, success or failed.
void WebhookDecided(const Status& s, std::string_view outcome, std::string_view payment);
// The outcome of keyed work (domain/idempotency.cc), by its key's scope: "holds" or "orders".
void KeyedWorkDecided(std::string_view scope, const Status& s);

// ---- The database (store/db.cc). Causes: deadlock, lock_wait_timeout, conflict (the body asked
// to run again), connection (lost before the commit point), cannot_connect, node_not_ready,
// commit_unknown.
void TxRetried(std::string_view cause);
void TxUnavailable(std::string_view cause);

// ---- The product cache (store/product_cache.cc).
// hit, miss (absent, stale or of another epoch), bypass (untrusted, or Redis unreachable).
void CacheLookup(std::string_view result);
// stored, superseded (a write moved the generation), failed (Redis unreachable).
void CacheFill(std::string_view result);
// ok, failed.
void CacheInvalidation(std::string_view result);

}  // namespace flashsale::metrics
