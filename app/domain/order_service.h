// Orders: a hold's units move to a pending order (available does not change); a payment settles
// it once.
#pragma once

#include <cstdint>
#include <functional>

#include "domain/deps.h"
#include "domain/idempotency.h"
#include "store/records.h"
#include "util/status.h"

namespace flashsale::domain {

class OrderService {
 public:
  explicit OrderService(Deps& deps) : deps_(deps) {}

  // Consumes the hold exactly once; the order is pending until now + order_ttl_seconds. If payment events for this order id arrived before it
  // existed, the earliest is applied in this same transaction (the order comes back settled).
  Result<store::OrderRecord> Create(int64_t hold_id, util::Millis now);

  Result<StoredReply> CreateIdempotent(
      int64_t hold_id, util::Millis now, const IdempotencyKey& key,
      const std::function<StoredReply(const Result<store::OrderRecord>&)>& render);

  // status says 'expired' once a pending order's expires_at has passed.
  Result<store::OrderRecord> Get(int64_t id, util::Millis now);

 private:
  Status CreateIn(store::Tx& tx, int64_t hold_id, util::Millis now, store::OrderRecord* out);

  Deps& deps_;
};

}  // namespace flashsale::domain
