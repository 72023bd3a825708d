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
  if (Status v = check.Result(); !v.ok()) return v;
  Result<store::ProductSnapshot> product =
      s.products.Create(*name, *price, *stock, util::NowMillis());
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
  if (!body.value().value.isMember("name") && !body.value().value.isMember("price") &&
      !body.value().value.isMember("stock")) {
    check.Fail("stock", "at least one of name, price, stock is required");
  }
  if (Status v = check.Result(); !v.ok()) return v;
  Result<store::ProductSnapshot> product =
      s.products.Update(req.ids[0], patch, util::NowMillis());
  if (!product.ok()) return product.status();
  return http::JsonResponse(200, RenderProductBody(product.value()));
}

}  // namespace flashsale::api
