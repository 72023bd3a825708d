#include "domain/log_service.h"

#include "store/metrics_repo.h"

namespace flashsale::domain {

Result<LogPage> LogService::Page(int64_t after_id, const std::optional<std::string>& type,
                                 int limit) {
  LogPage page;
  Status s = deps_.db.Run([&](store::Tx& tx) {
    // One row more than asked tells whether there is a next page without a COUNT.
    page.rows = store::metrics::Page(tx, after_id, type, limit + 1);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (static_cast<int>(page.rows.size()) > limit) {
    page.rows.resize(limit);
    page.next_after_id = page.rows.back().id;
  }
  return page;
}

Result<store::metrics::ExpiryTotals> LogService::ExpiryTotals() {
  store::metrics::ExpiryTotals totals;
  Status s = deps_.db.Run([&](store::Tx& tx) {
    totals = store::metrics::ExpiryTotalsOf(tx);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return totals;
}

}  // namespace flashsale::domain
