#include "store/redis_lock.h"

#include <openssl/rand.h>

namespace flashsale::store {
namespace {

const char kReleaseScript[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
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

RedisLock::RedisLock(RedisClient& redis, std::string key, int ttl_ms)
    : redis_(redis), key_(std::move(key)), token_(RandomToken()), ttl_ms_(ttl_ms) {}

RedisLock::~RedisLock() { Release(); }

RedisLock::Outcome RedisLock::Acquire() {
  Reply r = redis_.Command({"SET", key_, token_, "NX", "PX", std::to_string(ttl_ms_)});
  if (!r || r->type == REDIS_REPLY_ERROR) return Outcome::kUnreachable;
  held_ = r->type == REDIS_REPLY_STATUS;  // "OK"; a nil reply means someone else holds it
  return held_ ? Outcome::kAcquired : Outcome::kBusy;
}

void RedisLock::Release() {
  if (!held_) return;
  held_ = false;
  redis_.Eval(kReleaseScript, {key_}, {token_});
}

}  // namespace flashsale::store
