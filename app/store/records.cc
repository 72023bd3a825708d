#include "store/records.h"

namespace flashsale::store {

const char* ToString(HoldStatus s) {
  switch (s) {
    case HoldStatus::kActive: return "active";
    case HoldStatus::kUsed: return "used";
    case HoldStatus::kReleased: return "released";
    case HoldStatus::kExpired: return "expired";
  }
  return "active";
}

const char* ToString(OrderStatus s) {
  switch (s) {
    case OrderStatus::kPending: return "pending";
    case OrderStatus::kPaid: return "paid";
    case OrderStatus::kCancelled: return "cancelled";
    case OrderStatus::kExpired: return "expired";
  }
  return "pending";
}

const char* ToString(PaymentStatus s) { return s == PaymentStatus::kSuccess ? "success" : "failed"; }

const char* ToString(PaymentOutcome s) {
  switch (s) {
    case PaymentOutcome::kDeferred: return "deferred";
    case PaymentOutcome::kApplied: return "applied";
    case PaymentOutcome::kIgnored: return "ignored";
  }
  return "deferred";
}

}  // namespace flashsale::store
