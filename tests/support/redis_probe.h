// RedisProbe: a direct hiredis connection to the stack's Redis over its unix socket (or to a
// node over TCP), for the cache tests (FLUSHALL, snapshotting and restoring keys). Errors throw std::runtime_error.
// One probe per test; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct redisContext;

namespace flashsale::itest {

class RedisProbe {
 public:
  explicit RedisProbe(const std::string& socket_path);
  RedisProbe(const std::string& host, int port);  // over TCP (the cluster's Redis nodes)
  ~RedisProbe();
  RedisProbe(const RedisProbe&) = delete;
  RedisProbe& operator=(const RedisProbe&) = delete;

  // Runs one command; returns a string reply, an integer as text, a status ("OK"), or "" for
  // nil. Binary-safe arguments.
  std::string Command(const std::vector<std::string>& args);
  void FlushAll() { Command({"FLUSHALL"}); }
  std::vector<std::string> Keys(const std::string& pattern);

  // A key's serialized value and remaining ttl, for putting it back later (RESTORE).
  struct Saved {
    std::string key;
    std::string dump;
    int64_t pttl_ms = 0;  // 0 = no expiry
  };
  std::vector<Saved> SaveAll();
  // RESTORE ... REPLACE for every saved key.
  void RestoreAll(const std::vector<Saved>& saved);

 private:
  redisContext* ctx_ = nullptr;
};

}  // namespace flashsale::itest
