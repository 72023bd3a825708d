// RedisClient: one hiredis connection per process, with short timeouts and a back-off.
//
// Redis is a cache here, never the source of truth, so a slow or absent Redis must cost
// milliseconds, not requests: commands time out after redis_timeout_ms, and after a failure the
// client does not try again for kRetryAfterMs (callers see "unavailable" at once and go to the
// database). Only store/*.cc includes this header (hiredis stays out of the domain).
#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flashsale::store {

struct RedisOptions {
  std::string socket;  // used when not empty
  std::string host = "127.0.0.1";
  int port = 6379;
  int timeout_ms = 200;
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

 private:
  redisContext* Connect();
  void Fail(const char* what);

  RedisOptions options_;
  redisContext* ctx_ = nullptr;
  int64_t retry_at_ms_ = 0;  // monotonic ms before which we do not try to connect
};

}  // namespace flashsale::store
