// Retry safety for POST /api/holds and POST /api/orders (the Idempotency-Key header).
//
// A request with a key runs as: claim the key, savepoint, do the work, store the answer, commit,
// all in one transaction. A repeat with the same key and body gets the stored answer byte for
// byte; another body is 422 idempotency_key_reused; a repeat that arrives while the first is
// running waits on the key's row lock and then replays, or answers 409 idempotency_key_in_use if
// the first outlasts the lock wait. The work is therefore done at most once per key.
//
// A business refusal (409 insufficient_stock...) is an answer too: its changes are rolled back to
// the savepoint and the refusal itself is stored. Failures that say nothing about the request
// (database down, deadlocks beyond retries, internal errors) are not stored; the client retries.
//
// A replay reports the change the first run made, and the first run's worker may have died
// between its COMMIT and its cache invalidation: `on_replay` runs in the replaying transaction
// so the service can register that invalidation again.
//
// The domain does not know HTTP: the caller passes `render`, which turns the work's Status into
// the answer to store (an opaque status code + body pair).
#pragma once

#include <functional>
#include <string>

#include "store/db.h"
#include "util/status.h"
#include "util/time_format.h"

namespace flashsale::domain {

struct IdempotencyKey {
  std::string scope;         // "holds", "orders"
  std::string key;           // the header, 1..255 characters
  std::string request_hash;  // SHA-256 of the raw body
};

struct StoredReply {
  int status = 0;
  std::string body;
};

// `work` runs inside the transaction and returns its Status; `render` is called with it (still
// inside the transaction) and returns the reply to keep. Returns the reply to send, or a Status
// for failures that are not stored.
Result<StoredReply> RunIdempotent(store::Database& db, const IdempotencyKey& key, util::Millis now,
                                  const std::function<Status(store::Tx&)>& work,
                                  const std::function<StoredReply(const Status&)>& render,
                                  const std::function<void(store::Tx&)>& on_replay);

}  // namespace flashsale::domain
