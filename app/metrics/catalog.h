// The names of every metric family GET /metrics shows, with their help text and type: one list,
// so a name is spelt in one place and the exposition always shows every family (a family with
// nothing counted yet is written with its HELP and TYPE lines only).
#pragma once

#include <string_view>
#include <vector>

#include "metrics/prometheus.h"

namespace flashsale::metrics {

// Counted by the workers into the registry (metrics.h).
inline constexpr std::string_view kHttpRequests = "flashsale_http_requests_total";
inline constexpr std::string_view kHttpDuration = "flashsale_http_request_duration_seconds";
inline constexpr std::string_view kHolds = "flashsale_holds_total";
inline constexpr std::string_view kOrders = "flashsale_orders_total";
inline constexpr std::string_view kWebhooks = "flashsale_webhooks_total";
inline constexpr std::string_view kDbRetries = "flashsale_db_retries_total";
inline constexpr std::string_view kDbUnavailable = "flashsale_db_unavailable_total";
inline constexpr std::string_view kCacheLookups = "flashsale_cache_lookups_total";
inline constexpr std::string_view kCacheFills = "flashsale_cache_fills_total";
inline constexpr std::string_view kCacheInvalidations = "flashsale_cache_invalidations_total";

// Read at scrape time (exposition.cc).
inline constexpr std::string_view kWorkers = "flashsale_workers";
inline constexpr std::string_view kWorkersMax = "flashsale_workers_max";
inline constexpr std::string_view kPoolStart = "flashsale_pool_start_time_seconds";
inline constexpr std::string_view kPoolAccepted = "flashsale_pool_accepted_requests_total";
inline constexpr std::string_view kPoolMaxActive = "flashsale_pool_max_active_workers";
inline constexpr std::string_view kPoolFull = "flashsale_pool_max_children_reached_total";
inline constexpr std::string_view kPoolSlow = "flashsale_pool_slow_requests_total";
inline constexpr std::string_view kPoolRespawns = "flashsale_pool_respawns_total";
inline constexpr std::string_view kListenQueue = "flashsale_listen_queue";
inline constexpr std::string_view kListenQueueMax = "flashsale_listen_queue_max";
inline constexpr std::string_view kListenQueueLimit = "flashsale_listen_queue_limit";
inline constexpr std::string_view kMariadbUp = "flashsale_mariadb_up";
inline constexpr std::string_view kRedisUp = "flashsale_redis_up";
inline constexpr std::string_view kExpiryRuns = "flashsale_expiry_runs_total";
inline constexpr std::string_view kExpiryBatches = "flashsale_expiry_batches_total";
inline constexpr std::string_view kExpiryHolds = "flashsale_expiry_released_holds_total";
inline constexpr std::string_view kExpiryOrders = "flashsale_expiry_expired_orders_total";
inline constexpr std::string_view kMetricsDropped = "flashsale_metrics_dropped_total";

struct FamilyInfo {
  std::string_view name;
  Type type;
  std::string_view help;
};

// Every family, in the order of the exposition.
const std::vector<FamilyInfo>& Catalog();

}  // namespace flashsale::metrics
