// The payment provider's webhook: at-least-once delivery, possibly reordered, possibly before
// the order exists. Each idempotency key is applied at most once.
#pragma once

#include <cstdint>
#include <string>

#include "domain/deps.h"
#include "store/records.h"
#include "util/status.h"

namespace flashsale::domain {

struct PaymentResult {
  int64_t order_id = 0;
  bool deferred = false;           // 202: kept until the order exists
  store::OrderStatus order_status = store::OrderStatus::kPending;
  bool applied = false;
  bool duplicate = false;
};

class PaymentService {
 public:
  explicit PaymentService(Deps& deps) : deps_(deps) {}

  // REQUIRES: the signature was verified (api/payments_handler.cc).
  Result<PaymentResult> Apply(const std::string& key, int64_t order_id,
                              store::PaymentStatus status, util::Millis now);

 private:
  Deps& deps_;
};

}  // namespace flashsale::domain
