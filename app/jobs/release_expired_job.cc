#include "jobs/release_expired_job.h"

#include "domain/events.h"
#include "domain/release.h"
#include "util/time_format.h"

namespace flashsale::jobs {

ReleaseReport ReleaseExpired(store::Database& db, const ReleaseOptions& options,
                             const std::function<LockState()>& still_locked) {
  ReleaseReport report;
  util::Millis started = util::NowMillis();
  for (;;) {
    util::Millis now = util::NowMillis();
    domain::Released released;
    Status s = db.Run([&](store::Tx& tx) {
      released = domain::ReleaseExpired(tx, 0, now, options.batch_size);
      if (released.total() > 0) {
        domain::events::HoldsBatchReleased(tx,
                                           {released.holds, released.orders, report.batches + 1,
                                            options.run_id, options.lock},
                                           now);
      }
      return Status::Ok();
    });
    if (!s.ok()) {
      report.end = ReleaseReport::End::kFailed;
      report.status = s;
      return report;
    }
    if (released.total() > 0) {
      report.released += released.holds;
      report.orders_expired += released.orders;
      ++report.batches;
    }
    if (released.total() < options.batch_size) {
      report.end = ReleaseReport::End::kDone;
      return report;
    }
    if (util::NowMillis() - started >= options.max_millis) {
      report.end = ReleaseReport::End::kOutOfTime;
      return report;
    }
    switch (still_locked()) {
      case LockState::kHeld:
        break;
      case LockState::kLost:
        report.end = ReleaseReport::End::kLockLost;
        return report;
      case LockState::kUnreachable:
        report.end = ReleaseReport::End::kLockUnreachable;
        return report;
    }
  }
}

}  // namespace flashsale::jobs
