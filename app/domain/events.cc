#include "domain/events.h"

#include <json/value.h>

#include "store/metrics_repo.h"
#include "util/json.h"

namespace flashsale::domain::events {
namespace {

Json::Value Int(int64_t v) { return Json::Value(static_cast<Json::Int64>(v)); }
Json::Value Limit(const std::optional<int64_t>& v) { return v ? Int(*v) : Json::Value(); }

void Append(store::Tx& tx, const char* type, const Json::Value& payload, Millis now) {
  store::metrics::Append(tx, type, util::WriteJson(payload), now);
}

}  // namespace

Event HoldCreatedEvent(const store::HoldRecord& hold) {
  Json::Value p;
  p["hold_id"] = Int(hold.id);
  p["product_id"] = Int(hold.product_id);
  p["quantity"] = Int(hold.quantity);
  p["expires_at"] = util::FormatRfc3339(hold.expires_at);
  if (hold.buyer_id) p["buyer_id"] = *hold.buyer_id;
  return Event{"hold_created", util::WriteJson(p)};
}

void HoldCreated(store::Tx& tx, const store::HoldRecord& hold, Millis now) {
  Event e = HoldCreatedEvent(hold);
  store::metrics::Append(tx, e.type, e.payload, now);
}

void HoldReleased(store::Tx& tx, const store::HoldRecord& hold, const char* reason, Millis now) {
  Json::Value p;
  p["hold_id"] = Int(hold.id);
  p["product_id"] = Int(hold.product_id);
  p["quantity"] = Int(hold.quantity);
  p["reason"] = reason;
  Append(tx, "hold_released", p, now);
}

void HoldsBatchReleased(store::Tx& tx, const BatchReleased& batch, Millis now) {
  Json::Value p;
  p["released"] = Int(batch.released);
  p["orders_expired"] = Int(batch.orders_expired);
  p["batch"] = Int(batch.batch);
  p["run_id"] = batch.run_id;
  p["lock"] = batch.lock;
  Append(tx, "holds_batch_released", p, now);
}

void OrderCreated(store::Tx& tx, const store::OrderRecord& order, Millis now) {
  Json::Value p;
  p["order_id"] = Int(order.id);
  p["hold_id"] = Int(order.hold_id);
  p["product_id"] = Int(order.product_id);
  p["quantity"] = Int(order.quantity);
  p["total_price"] = util::MoneyValue(order.total_cents);
  p["expires_at"] = util::FormatRfc3339(order.expires_at);
  Append(tx, "order_created", p, now);
}

Event OrderExpiredEvent(const store::OrderRecord& order) {
  Json::Value p;
  p["order_id"] = Int(order.id);
  p["product_id"] = Int(order.product_id);
  p["quantity"] = Int(order.quantity);
  p["expires_at"] = util::FormatRfc3339(order.expires_at);
  return Event{"order_expired", util::WriteJson(p)};
}

void OrderExpired(store::Tx& tx, const store::OrderRecord& order, Millis now) {
  Event e = OrderExpiredEvent(order);
  store::metrics::Append(tx, e.type, e.payload, now);
}

void PaymentAfterExpiry(store::Tx& tx, const store::OrderRecord& order, const std::string& key,
                        Millis now) {
  Json::Value p;
  p["order_id"] = Int(order.id);
  p["product_id"] = Int(order.product_id);
  p["quantity"] = Int(order.quantity);
  p["total_price"] = util::MoneyValue(order.total_cents);
  p["idempotency_key"] = key;
  p["expires_at"] = util::FormatRfc3339(order.expires_at);
  Append(tx, "payment_after_expiry", p, now);
}

Event OrderSettledEvent(const store::OrderRecord& order, const std::string& key) {
  Json::Value p;
  p["order_id"] = Int(order.id);
  p["product_id"] = Int(order.product_id);
  p["quantity"] = Int(order.quantity);
  p["idempotency_key"] = key;
  return Event{order.status == store::OrderStatus::kPaid ? "order_paid" : "order_cancelled",
               util::WriteJson(p)};
}

void OrderSettled(store::Tx& tx, const store::OrderRecord& order, const std::string& key,
                  Millis now) {
  Event e = OrderSettledEvent(order, key);
  store::metrics::Append(tx, e.type, e.payload, now);
}

void PaymentDeferred(store::Tx& tx, const store::PaymentEventRecord& event, Millis now) {
  Json::Value p;
  p["order_id"] = Int(event.order_id);
  p["status"] = store::ToString(event.status);
  p["idempotency_key"] = event.idempotency_key;
  Append(tx, "payment_deferred", p, now);
}

void ProductCreated(store::Tx& tx, const store::ProductRecord& product, Millis now) {
  Json::Value p;
  p["product_id"] = Int(product.id);
  p["name"] = product.name;
  p["price"] = util::MoneyValue(product.price_cents);
  p["stock"] = Int(product.stock);
  p["max_per_buyer"] = Limit(product.max_per_buyer);
  Append(tx, "product_created", p, now);
}

void ProductUpdated(store::Tx& tx, const store::ProductRecord& before,
                    const store::ProductRecord& after, Millis now) {
  Json::Value p;
  p["product_id"] = Int(after.id);
  p["stock_before"] = Int(before.stock);
  p["stock"] = Int(after.stock);
  p["price"] = util::MoneyValue(after.price_cents);
  p["name"] = after.name;
  p["max_per_buyer_before"] = Limit(before.max_per_buyer);
  p["max_per_buyer"] = Limit(after.max_per_buyer);
  Append(tx, "product_updated", p, now);
}

}  // namespace flashsale::domain::events
