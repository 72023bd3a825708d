// GET /metrics: every family of the catalog (catalog.h) in the Prometheus text format, from the
// registry's series (summed over all workers), the pool's state, and what the scraping worker
// saw of MariaDB and Redis and of the expiry job's log rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metrics/registry.h"
#include "metrics/status.h"

namespace flashsale::metrics {

// What the expiry job logged (holds_batch_released rows of metrics_logs): the job is a process
// of its own, outside the pool's shared memory, so its figures are read from its log rows.
struct ExpiryFigures {
  int64_t runs = 0;     // distinct run_id
  int64_t batches = 0;  // rows
  int64_t holds = 0;    // sum of "released"
  int64_t orders = 0;   // sum of "orders_expired"
};

struct ScrapeInputs {
  PoolState pool;
  std::vector<SeriesValue> series;
  uint64_t dropped = 0;
  bool mariadb_up = false;
  bool redis_up = false;
  std::optional<ExpiryFigures> expiry;  // nullopt when MariaDB could not be read
};

std::string MetricsText(const ScrapeInputs& in);

}  // namespace flashsale::metrics
