#include "store/trust_ledger.h"

#include "store/db.h"
#include "util/log.h"

namespace flashsale::store {

bool TrustLedger::Read(Reading* out) {
  Status s = db_.Run([&](Tx& tx) {
    // UTC on both sides: the session's time zone never shifts the span.
    auto rows = tx.Query(
        "SELECT dirty, GREATEST(0, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), untrusted_until)) "
        "FROM cache_trust WHERE id = 1",
        {});
    if (!rows->Next()) return Status::Internal("cache_trust has no row (migrations not run?)");
    out->dirty = static_cast<uint64_t>(rows->Int(1));
    out->untrusted_for_ms = (rows->Int(2) + 999) / 1000;  // rounded up: never shorter
    return Status::Ok();
  });
  return s.ok();
}

bool TrustLedger::Mark() {
  Status s = db_.Run([&](Tx& tx) {
    tx.Exec(
        "UPDATE cache_trust SET dirty = dirty + 1, untrusted_until = "
        "GREATEST(untrusted_until, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND) WHERE id = 1",
        {kSpanMs * 1000});
    return Status::Ok();
  });
  if (!s.ok()) {
    LOG4CPLUS_ERROR(util::StoreLog(), "could not mark the cache untrusted in the database: "
                                          << s.message());
  }
  return s.ok();
}

}  // namespace flashsale::store
