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
  bool db_ok = Database(db_options).Ping();
  std::printf("%s: MariaDB at %s, database %s as %s: %s\n", name,
              Where(db_options.socket, config.db_host, config.db_port).c_str(), config.db_name.c_str(),
              config.db_user.c_str(), db_ok ? "ok" : "FAILED (cannot connect or query; see the log)");
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
