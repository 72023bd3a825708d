// Connection options for MariaDB and Redis, taken from the configuration (sockets resolved
// against var_dir). Shared by the pool and the command-line jobs.
#pragma once

#include "store/db.h"
#include "store/redis_client.h"
#include "util/config.h"

namespace flashsale::store {

DbOptions DbOptionsFrom(const util::Config& config);
// db_nodes parsed, socket paths resolved against var_dir; an error names the bad entry. Every
// binary checks it at start (a list that does not parse must not fall back to db_socket).
Result<std::vector<DbEndpoint>> DbNodesFrom(const util::Config& config);
RedisOptions RedisOptionsFrom(const util::Config& config);

}  // namespace flashsale::store
