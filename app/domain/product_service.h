// Products: the availability read (through the cache) and the operator's create/update.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/deps.h"
#include "store/product_cache.h"
#include "util/status.h"

namespace flashsale::domain {

struct ProductPatch {
  std::optional<std::string> name;
  std::optional<int64_t> price_cents;
  std::optional<int64_t> stock;
  // Outer: whether the request set it; inner: the limit, or nullopt for "no limit".
  std::optional<std::optional<int64_t>> max_per_buyer;
};

class ProductService {
 public:
  explicit ProductService(Deps& deps) : deps_(deps) {}

  // From Redis when a valid snapshot is there; otherwise from MariaDB, refilling the cache.
  Result<store::ProductSnapshot> Get(int64_t id, util::Millis now);

  // product.id and product.reserved are ignored.
  Result<store::ProductSnapshot> Create(const store::ProductRecord& product, util::Millis now);

  // 409 stock_below_reserved if the new stock would not cover unexpired holds + pending orders.
  // A new max_per_buyer applies to holds that start after this answer; holds and orders that
  // exist stay (a buyer above a lowered limit just cannot hold more).
  Result<store::ProductSnapshot> Update(int64_t id, const ProductPatch& patch, util::Millis now);

 private:
  Deps& deps_;
};

}  // namespace flashsale::domain
