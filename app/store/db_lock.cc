#include "store/db_lock.h"

#include "util/log.h"

namespace flashsale::store {

DbLock::DbLock(Database& db, std::string name) : db_(db), name_(std::move(name)) {}

DbLock::~DbLock() { Release(); }

DbLock::Outcome DbLock::Acquire() {
  // GET_LOCK: 1 taken, 0 another session holds it (timeout 0: no wait), NULL on error.
  bool got = false;
  Status s = db_.Run([&](Tx& tx) {
    std::unique_ptr<Rows> rows = tx.Query("SELECT GET_LOCK(?, 0)", {name_});
    got = rows->Next() && !rows->IsNull(1) && rows->Int(1) == 1;
    return Status::Ok();
  });
  if (!s.ok()) return Outcome::kUnreachable;
  held_ = got;
  return got ? Outcome::kAcquired : Outcome::kBusy;
}

DbLock::Check DbLock::StillHeld() {
  if (!held_) return Check::kLost;
  bool mine = false;
  Status s = db_.Run([&](Tx& tx) {
    std::unique_ptr<Rows> rows =
        tx.Query("SELECT COALESCE(IS_USED_LOCK(?) = CONNECTION_ID(), 0)", {name_});
    mine = rows->Next() && rows->Int(1) == 1;
    return Status::Ok();
  });
  if (!s.ok()) return Check::kUnreachable;
  if (!mine) held_ = false;
  return mine ? Check::kHeld : Check::kLost;
}

void DbLock::Release() {
  if (!held_) return;
  held_ = false;
  Status s = db_.Run([&](Tx& tx) {
    tx.Query("SELECT RELEASE_LOCK(?)", {name_})->Next();
    return Status::Ok();
  });
  if (!s.ok()) {
    LOG4CPLUS_DEBUG(util::StoreLog(), "RELEASE_LOCK failed; the lock ends with the connection");
  }
}

}  // namespace flashsale::store
