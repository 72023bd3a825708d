// GET /api/products/{id}: availability, read through the Redis cache.
#include "api/render.h"
#include "api/services.h"
#include "http/error_map.h"

namespace flashsale::api {

Result<http::Response> GetProduct(Services& s, const http::Request& req) {
  Result<store::ProductSnapshot> product = s.products.Get(req.ids[0], util::NowMillis());
  if (!product.ok()) return product.status();
  return http::JsonResponse(200, RenderProductBody(product.value()));
}

}  // namespace flashsale::api
