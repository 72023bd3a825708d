// What every domain service works with: the worker's database connection, its product cache and
// the configuration. Built once per worker process (process/worker.cc) and passed in, so the
// services own no global state.
#pragma once

#include "store/db.h"
#include "store/product_cache.h"
#include "util/config.h"

namespace flashsale::domain {

struct Deps {
  store::Database& db;
  store::ProductCache& cache;
  const util::Config& config;
};

}  // namespace flashsale::domain
