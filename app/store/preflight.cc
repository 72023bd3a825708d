#include "store/preflight.h"

#include <cstdio>

#include "store/db.h"
#include "store/options.h"
#include "store/redis_client.h"

namespace flashsale::store {
namespace {

std::string Where(const std::string& socket, const std::string& host, int port) {
  return socket.empty() ? host + ":" + std::to_string(port) : socket;
}

}  // namespace

bool CheckConnections(const util::Config& config, const std::string& binary,
                      const std::string& config_path) {
  const char* name = binary.c_str();
  std::printf("%s: the configuration file %s syntax is ok\n", name, config_path.c_str());
  DbOptions db_options = DbOptionsFrom(config);
  db_options.retry_attempts = 1;
  Database db(db_options);
  bool db_ok = db.Ping();
  if (!db_options.nodes_error.empty()) {
    std::printf("%s: %s\n", name, db_options.nodes_error.c_str());
  } else if (!db_options.nodes.empty()) {
    // The same choice as the pool's: the first node that accepts writes is the writer.
    for (const DbEndpoint& node : db_options.nodes) {
      std::string why = node.Describe() == db.node() ? "" : db.CheckNode(node);
      std::printf("%s: Galera node %s: %s\n", name, node.Describe().c_str(),
                  node.Describe() == db.node() ? "ok, the writer"
                  : why.empty()                 ? "ok"
                                                : ("does not accept writes: " + why).c_str());
    }
    std::printf("%s: MariaDB Galera (db_nodes), database %s as %s: %s\n", name, config.db_name.c_str(),
                config.db_user.c_str(), db_ok ? "ok" : "FAILED (no node accepts writes; see above)");
  } else {
    std::printf("%s: MariaDB at %s, database %s as %s: %s\n", name,
                Where(db_options.socket, config.db_host, config.db_port).c_str(), config.db_name.c_str(),
                config.db_user.c_str(), db_ok ? "ok" : "FAILED (cannot connect or query; see the log)");
  }
  RedisOptions redis_options = RedisOptionsFrom(config);
  bool redis_ok = RedisClient(redis_options).Ping();
  std::string redis_where =
      config.redis_sentinels.empty()
          ? Where(redis_options.socket, config.redis_host, config.redis_port)
          : "master " + config.redis_sentinel_master + " via Sentinels " + config.redis_sentinels;
  std::printf("%s: Redis at %s: %s\n", name, redis_where.c_str(),
              redis_ok ? "ok" : "FAILED (no answer to PING)");
  std::printf("%s: configuration file %s test %s\n", name, config_path.c_str(),
              db_ok && redis_ok ? "is successful" : "failed");
  return db_ok && redis_ok;
}

}  // namespace flashsale::store
