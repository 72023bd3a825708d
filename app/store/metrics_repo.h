// metrics_logs: an append-only record of every change, written by the transaction that makes
// the change (so a rolled-back change leaves no metric, and a committed one always has one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::metrics {

// REQUIRES: payload is a JSON object's text.
void Append(Tx& tx, const std::string& type, const std::string& payload, Millis now);

// Rows with id > after_id (of `type` when set), oldest first, at most `limit`.
std::vector<LogRecord> Page(Tx& tx, int64_t after_id, const std::optional<std::string>& type,
                            int limit);

// Totals of the expiry job's holds_batch_released rows (GET /metrics): one index range read.
struct ExpiryTotals {
  int64_t runs = 0;     // distinct run_id
  int64_t batches = 0;  // rows
  int64_t holds = 0;    // sum of "released"
  int64_t orders = 0;   // sum of "orders_expired"
};
ExpiryTotals ExpiryTotalsOf(Tx& tx);

}  // namespace flashsale::store::metrics
