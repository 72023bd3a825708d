#include "metrics/catalog.h"

namespace flashsale::metrics {

const std::vector<FamilyInfo>& Catalog() {
  static const std::vector<FamilyInfo> catalog = {
      {kHttpRequests, Type::kCounter,
       "Requests answered by the pool, by method, route template (\"unmatched\" when no route "
       "matched) and HTTP status."},
      {kHttpDuration, Type::kHistogram,
       "Time from routing to the answer, by method and route template."},
      {kHolds, Type::kCounter,
       "Hold requests decided: outcome granted or the refusal's error code, answered_by cache "
       "(refused from the availability cache) or database."},
      {kOrders, Type::kCounter, "Order requests decided: outcome created or the refusal's error code."},
      {kWebhooks, Type::kCounter,
       "Payment webhooks decided: outcome applied, deferred (no order yet), ignored (order "
       "already settled or expired), after_expiry (success after the payment window), duplicate, "
       "or the refusal's error code; payment is the webhook's status."},
      {kDbRetries, Type::kCounter,
       "Transactions run again, by cause: deadlock, lock_wait_timeout, conflict (the request "
       "asked to run again), connection (lost before the commit point), cannot_connect, "
       "node_not_ready (a Galera node refused statements: 1047)."},
      {kDbUnavailable, Type::kCounter,
       "Transactions given up with 503, by cause: deadlock, lock_wait_timeout, conflict, "
       "cannot_connect, connection, node_not_ready, commit_unknown (the connection was lost "
       "after COMMIT was sent), cache (committed, but neither Redis nor the trust ledger could "
       "be reached)."},
      {kCacheLookups, Type::kCounter,
       "Availability cache lookups: hit, miss, bypass (cache untrusted or Redis unreachable)."},
      {kCacheFills, Type::kCounter,
       "Availability cache fills: stored, superseded (a write came first), failed."},
      {kCacheInvalidations, Type::kCounter,
       "Availability cache invalidations after a write: ok, failed (cache untrusted until Redis "
       "is reached again)."},
      {kWorkers, Type::kGauge, "Worker processes by state: starting, idle, busy, exiting."},
      {kWorkersMax, Type::kGauge, "Worker slots of the pool (the most workers it runs)."},
      {kPoolStart, Type::kGauge, "When the pool started, in seconds since the Unix epoch."},
      {kPoolAccepted, Type::kCounter, "Requests accepted by the pool's workers."},
      {kPoolMaxActive, Type::kGauge, "The most workers busy at once since the pool started."},
      {kPoolFull, Type::kCounter,
       "Requests that took the last idle worker: the pool was full until one finished."},
      {kPoolSlow, Type::kCounter, "Requests that ran past the slow request threshold."},
      {kPoolRespawns, Type::kCounter, "Workers that died unasked and were replaced."},
      {kListenQueue, Type::kGauge,
       "Connections waiting in the pool's listen queue when this scrape was served."},
      {kListenQueueMax, Type::kGauge, "The longest listen queue any scrape or status request saw."},
      {kListenQueueLimit, Type::kGauge, "The listen queue's size (the socket's backlog)."},
      {kMariadbUp, Type::kGauge, "1 if the worker serving this scrape reached MariaDB (SELECT 1)."},
      {kRedisUp, Type::kGauge, "1 if the worker serving this scrape reached Redis (PING)."},
      {kExpiryRuns, Type::kCounter,
       "Expiry job runs that released something (distinct run_id of holds_batch_released rows)."},
      {kExpiryBatches, Type::kCounter, "Expiry job batches committed (holds_batch_released rows)."},
      {kExpiryHolds, Type::kCounter, "Holds released by the expiry job."},
      {kExpiryOrders, Type::kCounter, "Pending orders expired by the expiry job."},
      {kMetricsDropped, Type::kCounter,
       "Metric updates dropped because the shared metrics table was full."},
  };
  return catalog;
}

}  // namespace flashsale::metrics
