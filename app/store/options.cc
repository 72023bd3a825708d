#include "store/options.h"

#include "util/log.h"

namespace flashsale::store {

Result<std::vector<DbEndpoint>> DbNodesFrom(const util::Config& c) {
  Result<std::vector<DbEndpoint>> nodes = ParseDbNodes(c.db_nodes);
  if (nodes.ok()) {
    for (DbEndpoint& node : nodes.value()) {
      if (!node.socket.empty()) node.socket = c.VarPath(node.socket);
    }
  }
  return nodes;
}

DbOptions DbOptionsFrom(const util::Config& c) {
  DbOptions o;
  Result<std::vector<DbEndpoint>> nodes = DbNodesFrom(c);
  if (nodes.ok()) {
    o.nodes = nodes.value();
  } else {
    o.nodes_error = nodes.status().message();
  }
  if (!c.db_socket.empty()) o.socket = c.VarPath(c.db_socket);
  o.host = c.db_host;
  o.port = c.db_port;
  o.user = c.db_user;
  o.password = c.db_password;
  o.schema = c.db_name;
  o.retry_attempts = c.db_retry_attempts;
  o.lock_wait_timeout = c.db_lock_wait_timeout;
  return o;
}

RedisOptions RedisOptionsFrom(const util::Config& c) {
  RedisOptions o;
  if (!c.redis_socket.empty()) o.socket = c.VarPath(c.redis_socket);
  o.host = c.redis_host;
  o.port = c.redis_port;
  o.timeout_ms = c.redis_timeout_ms;
  if (!c.redis_sentinels.empty()) {
    // A malformed list leaves Sentinel mode with no Sentinel: the cache stays bypassed rather
    // than falling back to redis_host, which may be a demoted master by now.
    o.sentinels = ParseHostPorts(c.redis_sentinels).value_or(std::vector<HostPort>{});
    o.sentinel_master = c.redis_sentinel_master;
    if (o.sentinels.empty()) {
      LOG4CPLUS_ERROR(util::StoreLog(), "redis_sentinels is not a list of host:port: \""
                                            << c.redis_sentinels << "\"; the cache is not used");
    }
  }
  return o;
}

}  // namespace flashsale::store
