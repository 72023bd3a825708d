#include "store/redis_client.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "util/log.h"

namespace flashsale::store {
namespace {

// The replication ID of the master on which the cache entries were last retired
// (store/redis_sentinel.h). Replicated with the data, never expires.
const char kMarkerKey[] = "flashsale:cache:master";

int64_t MonotonicMs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {
  if (!options_.sentinels.empty() || !options_.sentinel_master.empty()) {
    // A Sentinel gets a short slice of the budget: a dead one must not eat all of it.
    sentinels_ = std::make_unique<SentinelLookup>(options_.sentinels, options_.sentinel_master,
                                                  std::min(options_.timeout_ms, 100));
  }
}

RedisClient::~RedisClient() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

void RedisClient::Fail(const char* what) {
  LOG4CPLUS_WARN(util::StoreLog(), "redis " << what << ": "
                                            << (ctx_ == nullptr ? "no context"
                                                : ctx_->err != 0 ? ctx_->errstr
                                                                 : "connection dropped")
                                            << "; cache bypassed for " << kRetryAfterMs << " ms");
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
  retry_at_ms_ = MonotonicMs() + kRetryAfterMs;
}

redisContext* RedisClient::Connect() {
  if (ctx_ != nullptr && sentinels_ && MonotonicMs() >= recheck_at_ms_) RecheckMaster();
  if (ctx_ != nullptr) return ctx_;
  if (MonotonicMs() < retry_at_ms_) return nullptr;
  struct timeval tv {
    options_.timeout_ms / 1000, (options_.timeout_ms % 1000) * 1000
  };
  if (sentinels_) return ConnectToMaster(tv);
  ctx_ = options_.socket.empty() ? redisConnectWithTimeout(options_.host.c_str(), options_.port, tv)
                                 : redisConnectUnixWithTimeout(options_.socket.c_str(), tv);
  if (ctx_ == nullptr || ctx_->err != 0) {
    Fail("connect failed");
    return nullptr;
  }
  redisSetTimeout(ctx_, tv);
  return ctx_;
}

redisContext* RedisClient::ConnectToMaster(const struct timeval& tv) {
  std::optional<HostPort> master = sentinels_->Master();
  if (!master) {
    Fail(("no Sentinel names the master " + sentinels_->master_name()).c_str());
    return nullptr;
  }
  std::string where = master->host + ':' + std::to_string(master->port);
  ctx_ = redisConnectWithTimeout(master->host.c_str(), master->port, tv);
  if (ctx_ == nullptr || ctx_->err != 0) {
    Fail(("connect to the master " + where + " failed").c_str());
    return nullptr;
  }
  redisSetTimeout(ctx_, tv);
  MasterCheck check = CheckMaster(ctx_, kMarkerKey);
  if (!check.answered) {
    Fail(("ROLE on " + where + " failed").c_str());
    return nullptr;
  }
  if (!check.is_master || check.replid.empty()) {
    Fail((where + ", named by a Sentinel, is not a master").c_str());
    return nullptr;
  }
  if ((!replid_.empty() && replid_ != check.replid) || check.marker != check.replid) {
    LOG4CPLUS_WARN(util::StoreLog(), "redis master " << where << " (replid " << check.replid
                                                     << ") is new to the cache (entries last "
                                                        "retired on "
                                                     << (check.marker.empty() ? "none" : check.marker)
                                                     << ", this process used "
                                                     << (replid_.empty() ? "none" : replid_)
                                                     << "); the cache retires them before reading");
    master_untrusted_ = true;
  }
  replid_ = check.replid;
  master_ = *master;
  recheck_at_ms_ = MonotonicMs() + kSentinelRecheckMs;
  return ctx_;
}

void RedisClient::RecheckMaster() {
  recheck_at_ms_ = MonotonicMs() + kSentinelRecheckMs;
  std::optional<HostPort> named = sentinels_->Master();
  if (!named || *named == master_) return;  // no answer: keep what works
  LOG4CPLUS_WARN(util::StoreLog(), "the Sentinels name " << named->host << ':' << named->port
                                                         << " as master instead of " << master_.host
                                                         << ':' << master_.port << "; moving");
  redisFree(ctx_);
  ctx_ = nullptr;  // Connect() goes on to the new master at once
}

Reply RedisClient::Command(const std::vector<std::string>& argv) {
  redisContext* ctx = Connect();
  if (ctx == nullptr) return nullptr;
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  Reply reply(static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data())));
  if (!reply) {
    Fail("command failed");
    return nullptr;
  }
  if (reply->type == REDIS_REPLY_ERROR && std::strncmp(reply->str, "READONLY", 8) == 0) {
    Fail("READONLY (a replica now)");  // demoted: ask the Sentinels again after the back-off
    return nullptr;
  }
  return reply;
}

Reply RedisClient::Eval(const char* script, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args) {
  static std::unordered_map<const char*, std::string> sha_of;  // per process
  std::string& sha = sha_of[script];
  if (sha.empty()) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(script), std::strlen(script), digest);
    static const char kHex[] = "0123456789abcdef";
    for (unsigned char b : digest) {
      sha += kHex[b >> 4];
      sha += kHex[b & 15];
    }
  }
  std::vector<std::string> argv = {"EVALSHA", sha, std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Reply r = Command(argv);
  if (r && r->type == REDIS_REPLY_ERROR && std::string(r->str, r->len).rfind("NOSCRIPT", 0) == 0) {
    argv[0] = "EVAL";
    argv[1] = script;
    r = Command(argv);
  }
  return r;
}

bool RedisClient::MasterSwitched() {
  if (!sentinels_) return false;
  // Without a connection nobody knows which master comes next; and the caller's next command
  // could connect to it (the back-off ending in between) without having been told.
  return Connect() == nullptr || master_untrusted_;
}

void RedisClient::MasterTrusted() {
  if (!master_untrusted_ || ctx_ == nullptr) return;
  Reply r = Command({"SET", kMarkerKey, replid_});
  if (r && r->type == REDIS_REPLY_STATUS) master_untrusted_ = false;
}

bool RedisClient::Ping() {
  Reply r = Command({"PING"});
  return r && r->type == REDIS_REPLY_STATUS;
}

}  // namespace flashsale::store
