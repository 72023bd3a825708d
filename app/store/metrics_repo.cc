#include "store/metrics_repo.h"

namespace flashsale::store::metrics {

void Append(Tx& tx, const std::string& type, const std::string& payload, Millis now) {
  tx.Exec("INSERT INTO metrics_logs (type, payload, created_at) VALUES (?, ?, ?)",
          {type, payload, util::FormatSqlTime(now)});
}

std::vector<LogRecord> Page(Tx& tx, int64_t after_id, const std::optional<std::string>& type,
                            int limit) {
  auto rows = type ? tx.Query(
                         "SELECT id, type, payload, created_at FROM metrics_logs"
                         " WHERE type = ? AND id > ? ORDER BY id LIMIT ?",
                         {*type, after_id, static_cast<int64_t>(limit)})
                   : tx.Query(
                         "SELECT id, type, payload, created_at FROM metrics_logs"
                         " WHERE id > ? ORDER BY id LIMIT ?",
                         {after_id, static_cast<int64_t>(limit)});
  std::vector<LogRecord> out;
  while (rows->Next()) {
    out.push_back({rows->Int(1), rows->Str(2), rows->Str(3),
                   util::ParseSqlTime(rows->Str(4)).value_or(0)});
  }
  return out;
}

ExpiryTotals ExpiryTotalsOf(Tx& tx) {
  auto rows = tx.Query(
      "SELECT COUNT(DISTINCT JSON_VALUE(payload, '$.run_id')), COUNT(*),"
      " CAST(COALESCE(SUM(JSON_VALUE(payload, '$.released')), 0) AS SIGNED),"
      " CAST(COALESCE(SUM(JSON_VALUE(payload, '$.orders_expired')), 0) AS SIGNED)"
      " FROM metrics_logs WHERE type = 'holds_batch_released'",
      {});
  ExpiryTotals t;
  if (rows->Next()) t = {rows->Int(1), rows->Int(2), rows->Int(3), rows->Int(4)};
  return t;
}

}  // namespace flashsale::store::metrics
