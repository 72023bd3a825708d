// A MariaDB named lock for singleton jobs, the fallback when Redis is unreachable:
// SELECT GET_LOCK(name, 0) on a connection of its own.
//
// The lock belongs to the session: it lasts while that connection lives and MariaDB frees it
// the moment the connection closes, so a holder that crashes never blocks the next one (a holder
// that hangs with its connection open does, until it is killed). COMMIT and ROLLBACK do not
// release it. Give the lock its own Database: if the connection is lost and Database::Run
// reconnects, the lock is gone, and StillHeld() notices (the new session does not own it).
#pragma once

#include <string>

#include "store/db.h"

namespace flashsale::store {

class DbLock {
 public:
  enum class Outcome { kAcquired, kBusy, kUnreachable };
  enum class Check { kHeld, kLost, kUnreachable };

  // `db` must outlive the lock and be used for nothing else while it is held.
  DbLock(Database& db, std::string name);
  ~DbLock();  // releases if held
  DbLock(const DbLock&) = delete;
  DbLock& operator=(const DbLock&) = delete;

  Outcome Acquire();
  // Whether this session still owns the lock (it does unless its connection was lost).
  Check StillHeld();
  void Release();

 private:
  Database& db_;
  std::string name_;
  bool held_ = false;
};

}  // namespace flashsale::store
