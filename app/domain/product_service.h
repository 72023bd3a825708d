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
};

class ProductService {
 public:
  explicit ProductService(Deps& deps) : deps_(deps) {}

  // From Redis when a valid snapshot is there; otherwise from MariaDB, refilling the cache.
  Result<store::ProductSnapshot> Get(int64_t id, util::Millis now);

  Result<store::ProductSnapshot> Create(const std::string& name, int64_t price_cents,
                                        int64_t stock, util::Millis now);

  // 409 stock_below_reserved if the new stock would not cover unexpired holds + pending orders.
  Result<store::ProductSnapshot> Update(int64_t id, const ProductPatch& patch, util::Millis now);

 private:
  Deps& deps_;
};

}  // namespace flashsale::domain
