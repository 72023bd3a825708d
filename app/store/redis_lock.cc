#include "store/redis_lock.h"

#include <openssl/rand.h>

namespace flashsale::store {
namespace {

const char kReleaseScript[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// 1 when the lease was ours and is extended, 0 when someone else holds it or it expired.
const char kRenewScript[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

std::string RandomToken() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

}  // namespace

RedisLock::RedisLock(RedisClient& redis, std::string key, int lease_ms)
    : redis_(redis), key_(std::move(key)), token_(RandomToken()), lease_ms_(lease_ms) {}

RedisLock::~RedisLock() { Release(); }

RedisLock::Outcome RedisLock::Acquire() {
  Reply r = redis_.Command({"SET", key_, token_, "NX", "PX", std::to_string(lease_ms_)});
  if (!r || r->type == REDIS_REPLY_ERROR) return Outcome::kUnreachable;
  held_ = r->type == REDIS_REPLY_STATUS;  // "OK"; a nil reply means someone else holds it
  return held_ ? Outcome::kAcquired : Outcome::kBusy;
}

RedisLock::Lease RedisLock::Renew() {
  if (!held_) return Lease::kLost;
  Reply r = redis_.Eval(kRenewScript, {key_}, {token_, std::to_string(lease_ms_)});
  if (!r || r->type != REDIS_REPLY_INTEGER) return Lease::kUnreachable;
  if (r->integer == 1) return Lease::kRenewed;
  held_ = false;  // someone else's now (or nobody's): never delete it
  return Lease::kLost;
}

void RedisLock::Release() {
  if (!held_) return;
  held_ = false;
  redis_.Eval(kReleaseScript, {key_}, {token_});
}

}  // namespace flashsale::store
