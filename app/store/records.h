// Plain records as the store reads and writes them. No behaviour: the rules that interpret them
// (is this hold expired? how many units are available?) live in domain/rules.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/time_format.h"

namespace flashsale::store {

using util::Millis;

struct ProductRecord {
  int64_t id = 0;
  std::string name;
  int64_t price_cents = 0;
  int64_t stock = 0;     // units not yet sold
  int64_t reserved = 0;  // active holds + pending orders (expired or not)
  std::optional<int64_t> max_per_buyer;  // units one buyer may hold, have pending or have paid
};

// What a reader needs to know about a product at one instant: its counters plus the holds and
// orders that have expired but are still counted in `reserved`, and when the next hold or
// pending order will expire (until then the computed availability cannot change without a
// write).
struct ProductView {
  ProductRecord product;
  int64_t expired_hold_units = 0;
  int64_t expired_order_units = 0;
  std::optional<Millis> next_hold_expiry;
  std::optional<Millis> next_order_expiry;
};

enum class HoldStatus { kActive, kUsed, kReleased, kExpired };

struct HoldRecord {
  int64_t id = 0;
  int64_t product_id = 0;
  int64_t quantity = 0;
  HoldStatus status = HoldStatus::kActive;
  Millis expires_at = 0;
  std::optional<std::string> buyer_id;
};

enum class OrderStatus { kPending, kPaid, kCancelled, kExpired };

struct OrderRecord {
  int64_t id = 0;
  int64_t hold_id = 0;
  int64_t product_id = 0;
  int64_t quantity = 0;
  int64_t total_cents = 0;
  OrderStatus status = OrderStatus::kPending;
  Millis expires_at = 0;  // end of the payment window; only meaningful while pending
  std::optional<std::string> buyer_id;  // the hold's
};

enum class PaymentStatus { kSuccess, kFailed };
enum class PaymentOutcome { kDeferred, kApplied, kIgnored };

struct PaymentEventRecord {
  int64_t id = 0;
  std::string idempotency_key;
  int64_t order_id = 0;
  PaymentStatus status = PaymentStatus::kSuccess;
  PaymentOutcome outcome = PaymentOutcome::kDeferred;
};

struct LogRecord {
  int64_t id = 0;
  std::string type;
  std::string payload;  // JSON text
  Millis created_at = 0;
};

const char* ToString(HoldStatus s);
const char* ToString(OrderStatus s);
const char* ToString(PaymentStatus s);
const char* ToString(PaymentOutcome s);

}  // namespace flashsale::store
