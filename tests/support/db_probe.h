// DbProbe: a direct MariaDB connection (Connector/C++, over the stack's unix socket) for
// database-side checks: invariants, row counts, what a request did or did not leave behind.
//
// Reads only, by convention: the tests change state through the HTTP API. Every query runs on
// its own in autocommit mode, so it sees everything committed before it. Errors throw
// std::runtime_error carrying the SQL. One probe per test and thread (a connection is not
// thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sql {
class Connection;
}

namespace flashsale::itest {

using SqlParam = std::variant<int64_t, std::string>;
using SqlRow = std::vector<std::optional<std::string>>;  // nullopt = NULL

class DbProbe {
 public:
  // Connects as the application's account (flashsale/flashsale, database flashsale).
  explicit DbProbe(const std::string& socket_path);
  ~DbProbe();
  DbProbe(const DbProbe&) = delete;
  DbProbe& operator=(const DbProbe&) = delete;

  // All rows of `sql` with `?` bound to `params` in order.
  std::vector<SqlRow> Query(const std::string& sql, const std::vector<SqlParam>& params = {});
  // The first column of the first row as an integer; 0 for NULL or no row.
  int64_t Int(const std::string& sql, const std::vector<SqlParam>& params = {});
  // The first column of the first row as text; "" for NULL or no row.
  std::string Str(const std::string& sql, const std::vector<SqlParam>& params = {});
  // A statement without a result set (e.g. START TRANSACTION for a consistent snapshot).
  void Exec(const std::string& sql);

  // Shortcuts used by many tests.
  int64_t LastMetricsId();  // MAX(metrics_logs.id), 0 when empty
  int64_t CountMetrics(const std::string& type, int64_t after_id);

 private:
  std::unique_ptr<sql::Connection> conn_;
};

}  // namespace flashsale::itest
