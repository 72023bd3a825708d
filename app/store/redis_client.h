// RedisClient: one hiredis connection per process, with short timeouts and a back-off.
//
// Redis is a cache here, never the source of truth, so a slow or absent Redis must cost
// milliseconds, not requests: commands time out after redis_timeout_ms, and after a failure the
// client does not try again for kRetryAfterMs (callers see "unavailable" at once and go to the
// database). Only store/*.cc includes this header (hiredis stays out of the domain).
//
// With Sentinels configured (store/redis_sentinel.h), each connection goes to the master the
// Sentinels name, and only after ROLE confirmed it is a master. A connection error, a READONLY
// answer (the node was demoted) or a node that is not a master drops the connection: after the
// back-off the Sentinels are asked again. While connected, the client asks the Sentinels again
// at most every kSentinelRecheckMs and moves when they name another master: after a failover
// the old master may stay a writable master for seconds (until the Sentinels demote it), and a
// process still using it would invalidate entries nobody else reads. When the master connected
// to is not the one whose cache entries were last retired (a failover, a restarted node),
// MasterSwitched() says so until the cache has retired them (MasterTrusted()).
#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/redis_sentinel.h"

namespace flashsale::store {

struct RedisOptions {
  std::string socket;  // used when not empty
  std::string host = "127.0.0.1";
  int port = 6379;
  int timeout_ms = 200;
  // Not empty: ask these Sentinels for the master named sentinel_master (socket, host and port
  // are not used then).
  std::vector<HostPort> sentinels;
  std::string sentinel_master;
};

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisClient {
 public:
  static constexpr int64_t kRetryAfterMs = 1000;
  static constexpr int64_t kSentinelRecheckMs = 1000;

  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command. Returns nullptr when Redis is unreachable, timed out, or in back-off;
  // a reply of type REDIS_REPLY_ERROR is returned as is (the connection is fine).
  Reply Command(const std::vector<std::string>& argv);

  // EVALSHA with the script's SHA-1, falling back to EVAL (which also loads it) when Redis does
  // not know the script yet (first use, restart, SCRIPT FLUSH). Same nullptr rule as Command.
  // REQUIRES: `script` is a constant with static storage (its SHA-1 is cached by address).
  Reply Eval(const char* script, const std::vector<std::string>& keys,
             const std::vector<std::string>& args);

  bool Ping();

  // Connects if needed; true when the master's cache entries may predate it: this process used
  // another master before, or the master's marker names another one (a promoted replica, a
  // restarted node), or there is no connection (the next one may go to another master). The
  // caller then retires every entry before reading, and calls MasterTrusted(); until then the
  // answer stays true. Always false without Sentinels.
  bool MasterSwitched();
  // After the caller retired every entry on this connection: records it on the master (its
  // marker), so processes connecting later need not retire them again.
  void MasterTrusted();

 private:
  redisContext* Connect();
  redisContext* ConnectToMaster(const struct timeval& tv);
  void RecheckMaster();
  void Fail(const char* what);

  RedisOptions options_;
  redisContext* ctx_ = nullptr;
  int64_t retry_at_ms_ = 0;  // monotonic ms before which we do not try to connect
  std::unique_ptr<SentinelLookup> sentinels_;  // null without Sentinels
  HostPort master_;                // the address the connection goes to
  int64_t recheck_at_ms_ = 0;      // monotonic ms after which the Sentinels are asked again
  std::string replid_;             // the master this process uses (or used last)
  bool master_untrusted_ = false;  // see MasterSwitched()
};

}  // namespace flashsale::store
