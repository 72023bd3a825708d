// RedisProbe over hiredis (see redis_probe.h).
#include "redis_probe.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <memory>
#include <stdexcept>

namespace flashsale::itest {
namespace {
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
}  // namespace

namespace {
redisContext* Checked(redisContext* ctx, const std::string& where) {
  if (ctx == nullptr || ctx->err != 0) {
    std::string err = ctx != nullptr ? ctx->errstr : "out of memory";
    if (ctx != nullptr) redisFree(ctx);
    throw std::runtime_error("RedisProbe: cannot connect to " + where + ": " + err);
  }
  timeval tv{2, 0};
  redisSetTimeout(ctx, tv);
  return ctx;
}
}  // namespace

RedisProbe::RedisProbe(const std::string& socket_path) {
  timeval tv{2, 0};
  ctx_ = Checked(redisConnectUnixWithTimeout(socket_path.c_str(), tv), socket_path);
}

RedisProbe::RedisProbe(const std::string& host, int port) {
  timeval tv{2, 0};
  ctx_ = Checked(redisConnectWithTimeout(host.c_str(), port, tv), host + ":" + std::to_string(port));
}

RedisProbe::~RedisProbe() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

namespace {
ReplyPtr Run(redisContext* ctx, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!reply) throw std::runtime_error("RedisProbe: " + std::string(ctx->errstr));
  if (reply->type == REDIS_REPLY_ERROR) {
    throw std::runtime_error("RedisProbe: " + args[0] + ": " + std::string(reply->str, reply->len));
  }
  return reply;
}
}  // namespace

std::string RedisProbe::Command(const std::vector<std::string>& args) {
  ReplyPtr reply = Run(ctx_, args);
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    default:
      return "";
  }
}

std::vector<std::string> RedisProbe::Keys(const std::string& pattern) {
  ReplyPtr reply = Run(ctx_, {"KEYS", pattern});
  std::vector<std::string> keys;
  if (reply->type != REDIS_REPLY_ARRAY) return keys;
  for (size_t i = 0; i < reply->elements; ++i) {
    keys.emplace_back(reply->element[i]->str, reply->element[i]->len);
  }
  return keys;
}

std::vector<RedisProbe::Saved> RedisProbe::SaveAll() {
  std::vector<Saved> saved;
  for (const std::string& key : Keys("*")) {
    ReplyPtr dump = Run(ctx_, {"DUMP", key});
    if (dump->type != REDIS_REPLY_STRING) continue;  // gone in the meantime
    ReplyPtr pttl = Run(ctx_, {"PTTL", key});
    Saved s;
    s.key = key;
    s.dump.assign(dump->str, dump->len);
    s.pttl_ms = pttl->integer > 0 ? pttl->integer : 0;
    if (pttl->integer == -2) continue;
    saved.push_back(std::move(s));
  }
  return saved;
}

void RedisProbe::RestoreAll(const std::vector<Saved>& saved) {
  for (const Saved& s : saved) {
    Run(ctx_, {"RESTORE", s.key, std::to_string(s.pttl_ms), s.dump, "REPLACE"});
  }
}

}  // namespace flashsale::itest
