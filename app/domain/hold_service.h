// Holds: short-lived reservations that take units out of `available` at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "domain/deps.h"
#include "domain/idempotency.h"
#include "store/records.h"
#include "util/status.h"

namespace flashsale::domain {

// A hold as the client sees it: status already says 'expired' once expires_at has passed.
using HoldView = store::HoldRecord;

struct HoldRequest {
  int64_t product_id = 0;
  int64_t quantity = 0;
  std::optional<std::string> buyer_id;  // required when the product has max_per_buyer
};

class HoldService {
 public:
  explicit HoldService(Deps& deps) : deps_(deps) {}

  // 201 path. Sold out is answered from the cache when it can be (no database round trip);
  // otherwise one transaction: the buyer's lock and limit check when the product has
  // max_per_buyer, insert the hold and its metrics row, then reserve the units with one
  // conditional UPDATE of the product row as the last statement before COMMIT.
  Result<HoldView> Create(const HoldRequest& request, util::Millis now);

  // The same, guarded by an Idempotency-Key; `render` turns the outcome into the stored reply.
  Result<StoredReply> CreateIdempotent(const HoldRequest& request, util::Millis now,
                                       const IdempotencyKey& key,
                                       const std::function<StoredReply(const Result<HoldView>&)>&
                                           render);

  Result<HoldView> Get(int64_t id, util::Millis now);

  // Gives the units back now. Released or expired holds answer with their status; used: 409.
  Result<HoldView> Release(int64_t id, util::Millis now);

 private:
  // The transaction body of Create. `view` receives the product's view when the answer is
  // insufficient_stock, so the caller can refill the cache.
  Status CreateIn(store::Tx& tx, const HoldRequest& request, util::Millis now,
                  bool commit_with_reserve, HoldView* out,
                  std::optional<store::ProductView>* view);
  // Whether to run the limited path: the buyer's lock and the limit before anything else (see
  // hold_service.cc).
  bool LockBuyerFirst(const HoldRequest& request) const;
  void NoteLimit(int64_t product_id, bool limited);

  Deps& deps_;
  // Products whose last hold in this worker got its units from the database. For those the
  // cache is not asked first: it can only say "sold out", which the last attempt says it was
  // not, and asking costs a Redis round trip per hold. Correctness never depends on this set.
  std::unordered_set<int64_t> recently_available_;
  // Products this worker last saw with a per-buyer limit: their holds take the buyer's lock
  // first. A wrong guess costs a retry (limited) or a lock (unlimited), never correctness.
  std::unordered_set<int64_t> limited_;
};

}  // namespace flashsale::domain
