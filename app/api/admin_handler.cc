// Operator endpoints: POST /api/admin/products, PATCH /api/admin/products/{id}.
// They exist only when admin_token is configured (else 404, as if there were no such path),
// and every call must carry "Authorization: Bearer <token>", compared in constant time.
#include <openssl/crypto.h>

#include "api/render.h"
#include "api/services.h"
#include "api/validate.h"
#include "domain/rules.h"
#include "http/error_map.h"

namespace flashsale::api {
namespace {

Status Authorize(const Services& s, const http::Request& req) {
  const std::string& token = s.deps.config.admin_token;
  if (token.empty()) return Status::NotFound("not_found", "no such endpoint");
  const std::string& header = req.Header("authorization");
  const std::string prefix = "Bearer ";
  bool ok = header.size() == prefix.size() + token.size() && header.compare(0, prefix.size(), prefix) == 0 &&
            CRYPTO_memcmp(header.data() + prefix.size(), token.data(), token.size()) == 0;
  if (!ok) return Status::Unauthorized("unauthorized", "missing or wrong bearer token");
  return Status::Ok();
}

}  // namespace

Result<http::Response> AdminCreateProduct(Services& s, const http::Request& req) {
  if (Status a = Authorize(s, req); !a.ok()) return a;
  Result<util::JsonDocument> body = ParseObject(req.body);
  if (!body.ok()) return body.status();
  FieldChecker check(body.value());
  std::optional<std::string> name = check.String("name", 1, 255);
  std::optional<int64_t> price = check.Money("price", 0, domain::kMaxPriceCents);
  std::optional<int64_t> stock = check.Integer("stock", 0, domain::kMaxStock);
  std::optional<std::optional<int64_t>> max_per_buyer =
      check.NullableInteger("max_per_buyer", 1, domain::kMaxPerBuyer);
  if (Status v = check.Result(); !v.ok()) return v;
  store::ProductRecord record;
  record.name = *name;
  record.price_cents = *price;
  record.stock = *stock;
  record.max_per_buyer = max_per_buyer.value_or(std::nullopt);  // absent: no limit
  Result<store::ProductSnapshot> product = s.products.Create(record, util::NowMillis());
  if (!product.ok()) return product.status();
  return http::JsonResponse(201, RenderProductBody(product.value()));
}

Result<http::Response> AdminPatchProduct(Services& s, const http::Request& req) {
  if (Status a = Authorize(s, req); !a.ok()) return a;
  Result<util::JsonDocument> body = ParseObject(req.body);
  if (!body.ok()) return body.status();
  FieldChecker check(body.value());
  domain::ProductPatch patch;
  patch.name = check.String("name", 1, 255, false);
  patch.price_cents = check.Money("price", 0, domain::kMaxPriceCents, false);
  patch.stock = check.Integer("stock", 0, domain::kMaxStock, false);
  patch.max_per_buyer = check.NullableInteger("max_per_buyer", 1, domain::kMaxPerBuyer);
  const Json::Value& fields = body.value().value;
  if (!fields.isMember("name") && !fields.isMember("price") && !fields.isMember("stock") &&
      !fields.isMember("max_per_buyer")) {
    check.Fail("stock", "at least one of name, price, stock, max_per_buyer is required");
  }
  if (Status v = check.Result(); !v.ok()) return v;
  Result<store::ProductSnapshot> product =
      s.products.Update(req.ids[0], patch, util::NowMillis());
  if (!product.ok()) return product.status();
  return http::JsonResponse(200, RenderProductBody(product.value()));
}

}  // namespace flashsale::api
