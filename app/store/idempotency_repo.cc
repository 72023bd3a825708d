#include "store/idempotency_repo.h"

namespace flashsale::store::idempotency {

Claim TryClaim(Tx& tx, const std::string& scope, const std::string& key, const std::string& hash,
               Millis now) {
  try {
    bool inserted = tx.TryInsert(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status_code, response_body,"
        " created_at) VALUES (?, ?, ?, 0, '', ?)",
        {scope, key, hash, util::FormatSqlTime(now)});
    return inserted ? Claim::kClaimed : Claim::kExists;
  } catch (const DbError& e) {
    // Only this statement is rolled back (innodb_rollback_on_timeout is off): the caller can
    // still answer "in use" from the same transaction.
    if (e.code == kErrLockWaitTimeout) return Claim::kBusy;
    throw;
  }
}

std::optional<StoredAnswer> FindShared(Tx& tx, const std::string& scope,
                                      const std::string& key) {
  // A shared lock, like the one the failed INSERT already holds: many repeats that waited on
  // the first request read its answer together; asking for exclusive locks here would make each
  // of them wait for the others' shared locks, a deadlock.
  auto rows = tx.Query(
      "SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys"
      " WHERE scope = ? AND idem_key = ? LOCK IN SHARE MODE",
      {scope, key});
  if (!rows->Next()) return std::nullopt;
  return StoredAnswer{rows->Str(1), static_cast<int>(rows->Int(2)), rows->Str(3),
                      util::ParseSqlTime(rows->Str(4)).value_or(0)};
}

void Reclaim(Tx& tx, const std::string& scope, const std::string& key, const std::string& hash,
             Millis now) {
  tx.Exec(
      "UPDATE idempotency_keys SET request_hash = ?, status_code = 0, response_body = '',"
      " created_at = ? WHERE scope = ? AND idem_key = ?",
      {hash, util::FormatSqlTime(now), scope, key});
}

void Store(Tx& tx, const std::string& scope, const std::string& key, int status_code,
           const std::string& body) {
  tx.Exec(
      "UPDATE idempotency_keys SET status_code = ?, response_body = ? WHERE scope = ? AND"
      " idem_key = ?",
      {static_cast<int64_t>(status_code), body, scope, key});
}

}  // namespace flashsale::store::idempotency
