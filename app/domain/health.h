// Health: can this worker reach MariaDB (required) and Redis (optional: without it the service
// is degraded, every read goes to MariaDB)?
#pragma once

#include "domain/deps.h"

namespace flashsale::domain {

struct Health {
  bool database = false;
  bool cache = false;
};

// SELECT 1 on the worker's connection and PING on its Redis connection.
Health CheckHealth(Deps& deps);

}  // namespace flashsale::domain
