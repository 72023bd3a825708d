// Connection options for MariaDB and Redis, taken from the configuration (sockets resolved
// against var_dir). Shared by the pool and the command-line jobs.
#pragma once

#include "store/db.h"
#include "store/redis_client.h"
#include "util/config.h"

namespace flashsale::store {

DbOptions DbOptionsFrom(const util::Config& config);
RedisOptions RedisOptionsFrom(const util::Config& config);

}  // namespace flashsale::store
