// The metrics log, paged oldest first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/deps.h"
#include "store/metrics_repo.h"
#include "store/records.h"
#include "util/status.h"

namespace flashsale::domain {

struct LogPage {
  std::vector<store::LogRecord> rows;
  std::optional<int64_t> next_after_id;  // nullopt when nothing more
};

class LogService {
 public:
  explicit LogService(Deps& deps) : deps_(deps) {}

  // REQUIRES: 1 <= limit <= 1000.
  Result<LogPage> Page(int64_t after_id, const std::optional<std::string>& type, int limit);

  // What the expiry job has logged so far (GET /metrics).
  Result<store::metrics::ExpiryTotals> ExpiryTotals();

 private:
  Deps& deps_;
};

}  // namespace flashsale::domain
