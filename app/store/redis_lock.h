// A Redis lock for singleton jobs: SET key <random token> NX PX ttl to take it, and a Lua
// compare-and-delete to release it, so a run that outlived its ttl cannot free the lock a newer
// run has taken since.
#pragma once

#include <string>

#include "store/redis_client.h"

namespace flashsale::store {

class RedisLock {
 public:
  enum class Outcome { kAcquired, kBusy, kUnreachable };

  RedisLock(RedisClient& redis, std::string key, int ttl_ms);
  ~RedisLock();  // releases if held
  RedisLock(const RedisLock&) = delete;
  RedisLock& operator=(const RedisLock&) = delete;

  Outcome Acquire();
  void Release();

 private:
  RedisClient& redis_;
  std::string key_;
  std::string token_;
  int ttl_ms_;
  bool held_ = false;
};

}  // namespace flashsale::store
