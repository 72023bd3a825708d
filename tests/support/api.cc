// Api and the shared test helpers (see api.h).
#include "api.h"

#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ctime>
#include <regex>

#include <json/writer.h>

#include "webhook_signer.h"

namespace flashsale::itest {
namespace {

Headers WithAdmin(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace

Api::Api() : http_(Stack().base_url()) {}
Api::Api(std::string base_url) : http_(std::move(base_url)) {}

HttpResponse Api::CreateProduct(const std::string& body, const std::string& token) const {
  return http_.Post("/api/admin/products", body, WithAdmin(token));
}

HttpResponse Api::PatchProduct(int64_t id, const std::string& body, const std::string& token) const {
  return http_.Patch("/api/admin/products/" + std::to_string(id), body, WithAdmin(token));
}

HttpResponse Api::GetProduct(int64_t id) const {
  return http_.Get("/api/products/" + std::to_string(id));
}

HttpResponse Api::PostHold(int64_t product_id, int64_t quantity, const Headers& headers) const {
  return PostHoldBody("{\"product_id\":" + std::to_string(product_id) +
                          ",\"quantity\":" + std::to_string(quantity) + "}",
                      headers);
}

HttpResponse Api::PostHoldFor(int64_t product_id, int64_t quantity, const std::string& buyer_id,
                              const Headers& headers) const {
  Json::Value body(Json::objectValue);
  body["product_id"] = static_cast<Json::Int64>(product_id);
  body["quantity"] = static_cast<Json::Int64>(quantity);
  body["buyer_id"] = buyer_id;
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  writer["emitUTF8"] = true;
  return PostHoldBody(Json::writeString(writer, body), headers);
}

HttpResponse Api::PostHoldBody(const std::string& body, const Headers& headers) const {
  return http_.Post("/api/holds", body, headers);
}

HttpResponse Api::GetHold(int64_t id) const { return http_.Get("/api/holds/" + std::to_string(id)); }

HttpResponse Api::DeleteHold(int64_t id) const {
  return http_.Delete("/api/holds/" + std::to_string(id));
}

HttpResponse Api::PostOrder(int64_t hold_id, const Headers& headers) const {
  return PostOrderBody("{\"hold_id\":" + std::to_string(hold_id) + "}", headers);
}

HttpResponse Api::PostOrderBody(const std::string& body, const Headers& headers) const {
  return http_.Post("/api/orders", body, headers);
}

HttpResponse Api::GetOrder(int64_t id) const {
  return http_.Get("/api/orders/" + std::to_string(id));
}

std::string Api::WebhookBody(const std::string& idempotency_key, int64_t order_id,
                             const std::string& status) {
  return "{\"idempotency_key\":\"" + idempotency_key + "\",\"order_id\":" +
         std::to_string(order_id) + ",\"status\":\"" + status + "\"}";
}

HttpResponse Api::Webhook(const std::string& idempotency_key, int64_t order_id,
                          const std::string& status) const {
  return WebhookSigned(WebhookBody(idempotency_key, order_id, status));
}

HttpResponse Api::WebhookSigned(const std::string& body) const {
  return WebhookRaw(body, SignatureHeader(kWebhookSecret, body, NowUnixSeconds()));
}

HttpResponse Api::WebhookRaw(const std::string& body,
                             const std::optional<std::string>& signature) const {
  Headers headers;
  if (signature.has_value()) headers.emplace_back("X-Signature", *signature);
  return http_.Post("/api/payments/webhook", body, headers);
}

HttpResponse Api::GetLogs(const std::string& query) const {
  return http_.Get(query.empty() ? "/api/logs" : "/api/logs?" + query);
}

// ---------------------------------------------------------------------------------------------

std::string UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return "itest-" + std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(++counter);
}

int64_t MustCreateProduct(const Api& api, int64_t stock, const std::string& price,
                          const std::string& name) {
  std::string product_name = name.empty() ? UniqueName("product") : name;
  HttpResponse r = api.CreateProduct("{\"name\":\"" + product_name + "\",\"price\":" + price +
                                     ",\"stock\":" + std::to_string(stock) + "}");
  BOOST_REQUIRE_MESSAGE(r.status == 201 && r.json_ok && r.json["id"].isIntegral(), r.Describe());
  return r.json["id"].asInt64();
}

int64_t MustCreateLimitedProduct(const Api& api, int64_t stock, const std::string& limit) {
  HttpResponse r = api.CreateProduct("{\"name\":\"" + UniqueName("limited") +
                                     "\",\"price\":10.00,\"stock\":" + std::to_string(stock) +
                                     ",\"max_per_buyer\":" + limit + "}");
  BOOST_REQUIRE_MESSAGE(r.status == 201 && r.json_ok && r.json["id"].isIntegral(), r.Describe());
  return r.json["id"].asInt64();
}

int64_t MustHold(const Api& api, int64_t product_id, int64_t quantity) {
  HttpResponse r = api.PostHold(product_id, quantity);
  BOOST_REQUIRE_MESSAGE(r.status == 201 && r.json_ok && r.json["hold_id"].isIntegral(),
                        r.Describe());
  return r.json["hold_id"].asInt64();
}

int64_t MustOrder(const Api& api, int64_t hold_id) {
  HttpResponse r = api.PostOrder(hold_id);
  BOOST_REQUIRE_MESSAGE(r.status == 201 && r.json_ok && r.json["order_id"].isIntegral(),
                        r.Describe());
  return r.json["order_id"].asInt64();
}

ProductView MustGetProduct(const Api& api, int64_t product_id) {
  HttpResponse r = api.GetProduct(product_id);
  BOOST_REQUIRE_MESSAGE(r.status == 200 && r.json_ok && r.json["stock"].isIntegral() &&
                            r.json["available"].isIntegral(),
                        r.Describe());
  return {r.json["stock"].asInt64(), r.json["available"].asInt64()};
}

bool HasRawNumber(const std::string& body, const std::string& key, const std::string& literal) {
  std::string escaped;
  for (char c : literal) {
    if (std::string_view(".+-").find(c) != std::string_view::npos) escaped += '\\';
    escaped += c;
  }
  std::regex re("\"" + key + "\"\\s*:\\s*" + escaped + "(?=[,}\\]\\s])");
  return std::regex_search(body, re);
}

std::optional<int64_t> ParseRfc3339Millis(const std::string& text) {
  static const std::regex shape(R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$)");
  std::smatch m;
  if (!std::regex_match(text, m, shape)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000 + std::stoi(m[7]);
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SleepMillis(int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void SleepUntilMillis(int64_t deadline_ms) { SleepMillis(deadline_ms - NowMillis()); }

}  // namespace flashsale::itest
