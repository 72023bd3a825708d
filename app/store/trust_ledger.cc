#include "store/trust_ledger.h"

#include "store/db.h"
#include "util/log.h"

namespace flashsale::store {

bool TrustLedger::Read(uint64_t* dirty) {
  int64_t value = 0;
  if (!db_.ReadInt("SELECT dirty FROM cache_trust WHERE id = 1", &value)) return false;
  *dirty = static_cast<uint64_t>(value);
  return true;
}

bool TrustLedger::Mark() {
  Status s = db_.Run([&](Tx& tx) {
    tx.Exec("UPDATE cache_trust SET dirty = dirty + 1 WHERE id = 1", {});
    return Status::Ok();
  });
  if (!s.ok()) {
    LOG4CPLUS_ERROR(util::StoreLog(), "could not mark the cache untrusted in the database: "
                                          << s.message());
  }
  return s.ok();
}

}  // namespace flashsale::store
