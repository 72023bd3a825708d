#include "store/redis_sentinel.h"

#include <charconv>

#include "util/log.h"

namespace flashsale::store {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int> ParsePort(std::string_view text) {
  int port = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || p != text.data() + text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::optional<HostPort> ParseHostPort(std::string_view entry) {
  std::string_view host;
  std::string_view port;
  if (!entry.empty() && entry.front() == '[') {  // [v6]:port
    size_t close = entry.find(']');
    if (close == std::string_view::npos || close + 1 >= entry.size() || entry[close + 1] != ':') {
      return std::nullopt;
    }
    host = entry.substr(1, close - 1);
    port = entry.substr(close + 2);
  } else {
    size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = entry.substr(0, colon);
    port = entry.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
  }
  std::optional<int> number = ParsePort(port);
  if (host.empty() || !number) return std::nullopt;
  return HostPort{std::string(host), *number};
}

std::string_view Str(const redisReply* r) {
  return r != nullptr && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
             ? std::string_view(r->str, r->len)
             : std::string_view();
}

redisContext* ConnectTo(const HostPort& where, int timeout_ms) {
  struct timeval tv {
    timeout_ms / 1000, (timeout_ms % 1000) * 1000
  };
  redisContext* ctx = redisConnectWithTimeout(where.host.c_str(), where.port, tv);
  if (ctx != nullptr && ctx->err == 0) redisSetTimeout(ctx, tv);
  return ctx;
}

}  // namespace

std::optional<std::vector<HostPort>> ParseHostPorts(std::string_view text) {
  std::vector<HostPort> out;
  if (Trim(text).empty()) return std::nullopt;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string_view entry =
        Trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    std::optional<HostPort> hp = ParseHostPort(entry);
    if (!hp) return std::nullopt;
    out.push_back(std::move(*hp));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<HostPort> ParseMasterAddr(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return std::nullopt;
  std::string_view host = Str(r->element[0]);
  std::optional<int> port = ParsePort(Str(r->element[1]));
  if (host.empty() || !port) return std::nullopt;
  return HostPort{std::string(host), *port};
}

bool RoleIsMaster(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
         Str(r->element[0]) == "master";
}

std::string InfoField(std::string_view info, std::string_view field) {
  size_t start = 0;
  while (start < info.size()) {
    size_t end = info.find('\n', start);
    std::string_view line = info.substr(start, end == std::string_view::npos ? info.npos : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > field.size() && line.substr(0, field.size()) == field &&
        line[field.size()] == ':') {
      return std::string(line.substr(field.size() + 1));
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return "";
}

SentinelLookup::SentinelLookup(std::vector<HostPort> sentinels, std::string master_name,
                               int timeout_ms)
    : sentinels_(std::move(sentinels)), master_name_(std::move(master_name)), timeout_ms_(timeout_ms) {}

SentinelLookup::~SentinelLookup() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

std::optional<HostPort> SentinelLookup::Master() {
  for (size_t i = 0; i < sentinels_.size(); ++i) {
    size_t at = (first_ + i) % sentinels_.size();
    const HostPort& sentinel = sentinels_[at];
    if (ctx_ == nullptr || at != first_) {
      if (ctx_ != nullptr) redisFree(ctx_);
      ctx_ = ConnectTo(sentinel, timeout_ms_);
    }
    std::optional<HostPort> master;
    if (ctx_ != nullptr && ctx_->err == 0) {
      redisReply* r = static_cast<redisReply*>(
          redisCommand(ctx_, "SENTINEL get-master-addr-by-name %s", master_name_.c_str()));
      master = ParseMasterAddr(r);
      if (r != nullptr) freeReplyObject(r);
    }
    if (master) {
      first_ = at;  // its connection stays open for the next question
      return master;
    }
    LOG4CPLUS_DEBUG(util::StoreLog(), "Sentinel " << sentinel.host << ':' << sentinel.port
                                                  << " named no master " << master_name_ << ": "
                                                  << (ctx_ != nullptr && ctx_->err != 0
                                                          ? ctx_->errstr
                                                          : "no address in its answer"));
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
  }
  return std::nullopt;
}

MasterCheck CheckMaster(redisContext* ctx, const std::string& marker_key) {
  MasterCheck check;
  redisAppendCommand(ctx, "ROLE");
  redisAppendCommand(ctx, "INFO replication");
  redisAppendCommand(ctx, "GET %b", marker_key.data(), marker_key.size());
  void* replies[3] = {nullptr, nullptr, nullptr};
  bool all = true;
  for (void*& r : replies) {
    if (all && redisGetReply(ctx, &r) != REDIS_OK) all = false;
  }
  if (all) {
    auto* role = static_cast<redisReply*>(replies[0]);
    auto* info = static_cast<redisReply*>(replies[1]);
    auto* marker = static_cast<redisReply*>(replies[2]);
    check.answered = true;
    check.is_master = RoleIsMaster(role);
    check.replid = InfoField(Str(info), "master_replid");
    if (marker->type == REDIS_REPLY_STRING) check.marker = std::string(Str(marker));
  }
  for (void* r : replies) {
    if (r != nullptr) freeReplyObject(r);
  }
  return check;
}

}  // namespace flashsale::store
