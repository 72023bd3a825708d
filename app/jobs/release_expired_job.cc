#include "jobs/release_expired_job.h"

#include "domain/events.h"
#include "domain/release.h"
#include "util/time_format.h"

namespace flashsale::jobs {

Result<ReleaseReport> ReleaseExpired(store::Database& db, int batch_size, int64_t max_millis) {
  ReleaseReport report;
  util::Millis started = util::NowMillis();
  for (;;) {
    util::Millis now = util::NowMillis();
    bool last = false;
    int64_t released = 0;
    Status s = db.Run([&](store::Tx& tx) {
      released = domain::ReleaseExpiredHolds(tx, 0, now, batch_size);
      last = released < batch_size || now - started > max_millis;
      if (last && report.released + released > 0) {
        domain::events::HoldsBatchReleased(tx, report.released + released, report.batches + 1, now);
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    report.released += released;
    ++report.batches;
    if (last) return report;
  }
}

}  // namespace flashsale::jobs
