// Holds: short-lived reservations that take units out of `available` at once.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>

#include "domain/deps.h"
#include "domain/idempotency.h"
#include "store/records.h"
#include "util/status.h"

namespace flashsale::domain {

// A hold as the client sees it: status already says 'expired' once expires_at has passed.
using HoldView = store::HoldRecord;

class HoldService {
 public:
  explicit HoldService(Deps& deps) : deps_(deps) {}

  // 201 path. Sold out is answered from the cache when it can be (no database round trip);
  // otherwise one transaction: insert the hold and its metrics row, then reserve the units with
  // one conditional UPDATE of the product row as the last statement before COMMIT.
  Result<HoldView> Create(int64_t product_id, int64_t quantity, util::Millis now);

  // The same, guarded by an Idempotency-Key; `render` turns the outcome into the stored reply.
  Result<StoredReply> CreateIdempotent(int64_t product_id, int64_t quantity, util::Millis now,
                                       const IdempotencyKey& key,
                                       const std::function<StoredReply(const Result<HoldView>&)>&
                                           render);

  Result<HoldView> Get(int64_t id, util::Millis now);

  // Gives the units back now. Released or expired holds answer with their status; used: 409.
  Result<HoldView> Release(int64_t id, util::Millis now);

 private:
  // The transaction body of Create. `view` receives the product's view when the answer is
  // insufficient_stock, so the caller can refill the cache.
  Status CreateIn(store::Tx& tx, int64_t product_id, int64_t quantity, util::Millis now,
                  bool commit_with_reserve, HoldView* out,
                  std::optional<store::ProductView>* view);

  Deps& deps_;
  // Products whose last hold in this worker got its units from the database. For those the
  // cache is not asked first: it can only say "sold out", which the last attempt says it was
  // not, and asking costs a Redis round trip per hold. Correctness never depends on this set.
  std::unordered_set<int64_t> recently_available_;
};

}  // namespace flashsale::domain
