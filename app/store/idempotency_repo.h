// idempotency_keys: the first answer to a request carrying an Idempotency-Key, kept 24 hours.
//
// The row is inserted as the first statement of the request's transaction (status_code 0) and
// filled in before COMMIT. A concurrent repeat's INSERT waits on that row's key lock: it sees the
// stored answer once the first commits, takes the key over if the first rolled back, and gives up
// with kBusy if the first outlasts the lock wait timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/db.h"
#include "store/records.h"

namespace flashsale::store::idempotency {

enum class Claim { kClaimed, kExists, kBusy };

struct StoredAnswer {
  std::string request_hash;
  int status_code = 0;
  std::string body;
  Millis created_at = 0;
};

Claim TryClaim(Tx& tx, const std::string& scope, const std::string& key, const std::string& hash,
               Millis now);

// The committed answer for a key (shared lock).
std::optional<StoredAnswer> FindShared(Tx& tx, const std::string& scope, const std::string& key);

// Re-claims a key whose answer is older than the retention window.
void Reclaim(Tx& tx, const std::string& scope, const std::string& key, const std::string& hash,
             Millis now);

void Store(Tx& tx, const std::string& scope, const std::string& key, int status_code,
           const std::string& body);

}  // namespace flashsale::store::idempotency
