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

}  // namespace flashsale::store::metrics
