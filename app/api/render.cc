#include "api/render.h"

#include <memory>

#include "domain/rules.h"
#include "util/json.h"
#include "util/json_reader.h"
#include "util/money.h"

namespace flashsale::api {
namespace {

Json::Value Int(int64_t v) { return Json::Value(static_cast<Json::Int64>(v)); }

}  // namespace

std::string RenderProductBody(const store::ProductSnapshot& p) {
  std::string out;
  out.reserve(96 + p.name.size());
  out += "{\"available\":" + std::to_string(p.available) + ",\"id\":" + std::to_string(p.id) +
         ",\"max_per_buyer\":" +
         (p.max_per_buyer ? std::to_string(*p.max_per_buyer) : std::string("null")) +
         ",\"name\":";
  util::AppendJsonString(p.name, out);
  out += ",\"price\":" + util::FormatCents(p.price_cents) +
         ",\"stock\":" + std::to_string(p.stock) + "}";
  return out;
}

Json::Value RenderHold(const store::HoldRecord& h) {
  Json::Value v(Json::objectValue);
  v["hold_id"] = Int(h.id);
  v["product_id"] = Int(h.product_id);
  v["quantity"] = Int(h.quantity);
  v["buyer_id"] = h.buyer_id ? Json::Value(*h.buyer_id) : Json::Value();
  v["status"] = store::ToString(h.status);
  v["expires_at"] = util::FormatRfc3339(h.expires_at);
  return v;
}

Json::Value RenderOrder(const store::OrderRecord& o) {
  Json::Value v(Json::objectValue);
  v["order_id"] = Int(o.id);
  v["hold_id"] = Int(o.hold_id);
  v["product_id"] = Int(o.product_id);
  v["quantity"] = Int(o.quantity);
  v["buyer_id"] = o.buyer_id ? Json::Value(*o.buyer_id) : Json::Value();
  v["status"] = store::ToString(o.status);
  v["total_price"] = util::MoneyValue(o.total_cents);
  std::optional<util::Millis> expires_at = domain::ShownExpiry(o);
  v["expires_at"] = expires_at ? Json::Value(util::FormatRfc3339(*expires_at)) : Json::Value();
  return v;
}

Json::Value RenderPayment(const domain::PaymentResult& r) {
  Json::Value v(Json::objectValue);
  v["order_id"] = Int(r.order_id);
  v["status"] = r.deferred ? "deferred" : store::ToString(r.order_status);
  v["applied"] = r.applied;
  v["duplicate"] = r.duplicate;
  return v;
}

Json::Value RenderLogPage(const domain::LogPage& page) {
  Json::Value data(Json::arrayValue);
  for (const store::LogRecord& row : page.rows) {
    Json::Value entry(Json::objectValue);
    entry["id"] = Int(row.id);
    entry["type"] = row.type;
    // Written by this program; the strict reader only guards against a row edited by hand.
    std::optional<util::JsonDocument> payload = util::ReadJson(row.payload);
    entry["payload"] = payload ? payload->value : Json::Value(Json::objectValue);
    entry["created_at"] = util::FormatRfc3339(row.created_at);
    data.append(entry);
  }
  Json::Value v(Json::objectValue);
  v["data"] = data;
  v["next_after_id"] = page.next_after_id ? Int(*page.next_after_id) : Json::Value();
  return v;
}

}  // namespace flashsale::api
