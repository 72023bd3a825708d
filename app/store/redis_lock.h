// A Redis lease for singleton jobs: SET key <random token> NX PX lease to take it, a Lua
// compare-and-PEXPIRE to renew it, and a Lua compare-and-delete to release it.
//
// The lease is short (seconds) and the holder renews it while it works, so a holder that dies
// (SIGKILL, host crash) or hangs stops blocking the next one within one lease. A holder that
// could not renew in time may find its lease taken by someone else: Renew() then says kLost and
// the holder must stop. Release never frees a lease someone else has taken since.
#pragma once

#include <string>

#include "store/redis_client.h"

namespace flashsale::store {

class RedisLock {
 public:
  enum class Outcome { kAcquired, kBusy, kUnreachable };
  enum class Lease { kRenewed, kLost, kUnreachable };

  RedisLock(RedisClient& redis, std::string key, int lease_ms);
  ~RedisLock();  // releases if held
  RedisLock(const RedisLock&) = delete;
  RedisLock& operator=(const RedisLock&) = delete;

  Outcome Acquire();
  // Extends the lease to lease_ms from now if this holder still owns the key.
  // REQUIRES: Acquire() answered kAcquired.
  Lease Renew();
  void Release();

 private:
  RedisClient& redis_;
  std::string key_;
  std::string token_;
  int lease_ms_;
  bool held_ = false;
};

}  // namespace flashsale::store
