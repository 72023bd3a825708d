#include "store/product_cache.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "metrics/metrics.h"
#include "store/redis_client.h"
#include "store/trust_ledger.h"
#include "util/log.h"

namespace flashsale::store {
namespace {

// The epoch key is versioned with the entry layout: entries of another layout (written by a
// pool of another release during a rolling restart) carry another epoch, so neither release
// ever decodes the other's entries. Invalidation (generation bump + delete) is shared.
const char kEpochKey[] = "flashsale:cache:epoch:2";
// The ledger's `dirty` value (trust_ledger.h) whose entries have been retired.
const char kCleanKey[] = "flashsale:cache:clean:2";

std::string DataKey(int64_t id) { return "flashsale:product:" + std::to_string(id); }
std::string GenKey(int64_t id) { return "flashsale:product:" + std::to_string(id) + ":gen"; }

// The epoch and the generations never start over. After a FLUSHALL or a restart of Redis they
// are gone, and a counter that restarted at 0 would match a token taken before a write: a reader
// paused between its database read and its fill could then store a pre-write snapshot. So a
// missing counter is (re)created at a random 62-bit value chosen by the caller (ARGV), never at
// a value a token may already hold.

// Returns {epoch, generation, entry or ""} in one round trip. First, if the ledger's counter
// (ARGV[3]) is ahead of the one recorded as cleaned, retires every entry (epoch bump) and records
// it: a writer somewhere could not invalidate (trust_ledger.h).
const char kGetScript[] = R"lua(
local e = redis.call('GET', KEYS[3])
if not e then e = ARGV[1]; redis.call('SET', KEYS[3], e) end
if tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[4]) or '0') then
  redis.call('INCR', KEYS[3])
  e = redis.call('GET', KEYS[3])
  redis.call('SET', KEYS[4], ARGV[3])
end
local g = redis.call('GET', KEYS[2])
if not g then g = ARGV[2]; redis.call('SET', KEYS[2], g) end
local d = redis.call('GET', KEYS[1]) or ''
return {e, g, d}
)lua";

// Sets the entry only if neither the epoch nor the product's generation moved since the reader
// looked. The entry starts with its epoch so a later epoch bump retires it.
const char kPutScript[] = R"lua(
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1
)lua";

// Moves a counter on: INCR, or a fresh random start when it is missing.
const char kInvalidateScript[] = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('INCR', KEYS[2])
else redis.call('SET', KEYS[2], ARGV[1]) end
redis.call('DEL', KEYS[1])
return 1
)lua";

const char kBumpEpochScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1
)lua";

// A random start for a counter: 62 bits, so INCR has room for ever.
std::string FreshCounter() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string((rng() >> 2) | (uint64_t{1} << 60));
}

// Entry layout after the epoch: id|price_cents|stock|available|valid_until|max_per_buyer|name
// (max_per_buyer empty when there is no limit; name last: it may contain '|').
std::string Encode(const ProductSnapshot& s) {
  return std::to_string(s.id) + '|' + std::to_string(s.price_cents) + '|' +
         std::to_string(s.stock) + '|' + std::to_string(s.available) + '|' +
         std::to_string(s.valid_until) + '|' +
         (s.max_per_buyer ? std::to_string(*s.max_per_buyer) : std::string()) + '|' + s.name;
}

bool ParseInt(std::string_view text, int64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

std::optional<ProductSnapshot> Decode(std::string_view entry, std::string_view epoch) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 7) {
    size_t bar = entry.find('|', start);
    if (bar == std::string_view::npos) return std::nullopt;
    parts.push_back(entry.substr(start, bar - start));
    start = bar + 1;
  }
  if (parts[0] != epoch) return std::nullopt;
  ProductSnapshot s;
  if (!ParseInt(parts[1], s.id) || !ParseInt(parts[2], s.price_cents) ||
      !ParseInt(parts[3], s.stock) || !ParseInt(parts[4], s.available) ||
      !ParseInt(parts[5], s.valid_until)) {
    return std::nullopt;
  }
  if (!parts[6].empty()) {
    int64_t limit = 0;
    if (!ParseInt(parts[6], limit)) return std::nullopt;
    s.max_per_buyer = limit;
  }
  s.name = std::string(entry.substr(start));
  return s;
}

std::string AsString(const redisReply* r) {
  return r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : std::string();
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <typename T>
void StoreMax(std::atomic<T>& field, T value) {
  T seen = field.load();
  while (seen < value && !field.compare_exchange_weak(seen, value)) {
  }
}

}  // namespace

ProductCache::ProductCache(RedisClient& redis, CacheTrust& trust, TrustLedger* ledger)
    : redis_(redis), trust_(trust), ledger_(ledger) {}

bool ProductCache::LedgerLease(int64_t now, uint64_t* ledger_dirty) {
  *ledger_dirty = 0;
  if (ledger_ == nullptr) return true;
  // Renewed half-way, so that a busy pool's readers rarely wait for the database.
  if (now >= trust_.lease_until_ms.load() - TrustLedger::kLeaseMs / 2) {
    uint64_t dirty = 0;
    int64_t sent = SteadyMs();
    if (ledger_->Read(&dirty)) {
      StoreMax(trust_.ledger_dirty, dirty);
      StoreMax(trust_.lease_until_ms, sent + TrustLedger::kLeaseMs - TrustLedger::kMarginMs);
    }
  }
  if (now >= trust_.lease_until_ms.load()) return false;
  *ledger_dirty = trust_.ledger_dirty.load();
  return true;
}

bool ProductCache::Trusted(uint64_t* ledger_dirty) {
  if (!LedgerLease(SteadyMs(), ledger_dirty)) return false;
  // A master new to the cache may lack invalidations its predecessor took (redis_client.h).
  bool new_master = redis_.MasterSwitched();
  if (new_master) trust_.dirty.fetch_add(1);
  uint64_t dirty = trust_.dirty.load();
  if (!new_master && dirty == trust_.clean.load()) return true;
  // Some worker failed to invalidate: retire every entry before anyone reads one again.
  Reply r = redis_.Eval(kBumpEpochScript, {kEpochKey}, {FreshCounter()});
  if (!r || r->type != REDIS_REPLY_INTEGER) return false;
  redis_.MasterTrusted();
  uint64_t clean = trust_.clean.load();
  while (clean < dirty && !trust_.clean.compare_exchange_weak(clean, dirty)) {
  }
  LOG4CPLUS_INFO(util::StoreLog(), "cache entries retired after a failed invalidation");
  return trust_.dirty.load() == trust_.clean.load();
}

std::optional<ProductSnapshot> ProductCache::Get(int64_t product_id, Millis now,
                                                 CacheToken* token) {
  token->usable = false;
  Reply r;
  uint64_t ledger_dirty = 0;
  if (Trusted(&ledger_dirty)) {
    r = redis_.Eval(kGetScript, {DataKey(product_id), GenKey(product_id), kEpochKey, kCleanKey},
                    {FreshCounter(), FreshCounter(), std::to_string(ledger_dirty)});
  }
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
    flashsale::metrics::CacheLookup("bypass");
    return std::nullopt;
  }
  std::string epoch = AsString(r->element[0]);
  std::string entry = AsString(r->element[2]);
  if (!entry.empty()) {
    std::optional<ProductSnapshot> s = Decode(entry, epoch);
    if (s && s->id == product_id && now < s->valid_until) {
      flashsale::metrics::CacheLookup("hit");
      return s;
    }
  }
  flashsale::metrics::CacheLookup("miss");
  token->usable = true;
  token->epoch = std::move(epoch);
  token->generation = AsString(r->element[1]);
  return std::nullopt;
}

void ProductCache::Put(const ProductSnapshot& snapshot, const CacheToken& token, Millis now) {
  if (!token.usable || snapshot.valid_until <= now) return;
  // Bounded even with no hold pending: if a writer dies between its COMMIT and its
  // invalidation, the entry it should have deleted is gone within kMaxEntryAgeMs.
  int64_t ttl = std::min<int64_t>(snapshot.valid_until - now, kMaxEntryAgeMs);
  Reply r = redis_.Eval(kPutScript, {DataKey(snapshot.id), GenKey(snapshot.id), kEpochKey},
                        {token.epoch, token.generation, Encode(snapshot), std::to_string(ttl)});
  bool answered = r && r->type == REDIS_REPLY_INTEGER;
  flashsale::metrics::CacheFill(!answered ? "failed" : r->integer == 1 ? "stored" : "superseded");
}

bool ProductCache::Invalidate(int64_t product_id) {
  Reply r = redis_.Eval(kInvalidateScript, {DataKey(product_id), GenKey(product_id)},
                        {FreshCounter()});
  if (r && r->type == REDIS_REPLY_INTEGER) {
    flashsale::metrics::CacheInvalidation("ok");
    return true;
  }
  flashsale::metrics::CacheInvalidation("failed");
  trust_.dirty.fetch_add(1);
  LOG4CPLUS_WARN(util::StoreLog(), "could not invalidate product " << product_id
                                                                   << "; cache untrusted until "
                                                                      "Redis is reachable");
  return WarnOtherPools();
}

// The writer's half of trust_ledger.h: a mark in the ledger after the COMMIT, then the wait
// until every lease that did not see the mark has expired.
bool ProductCache::WarnOtherPools() {
  if (ledger_ == nullptr) return true;
  if (!ledger_->Mark()) return false;
  std::this_thread::sleep_for(std::chrono::milliseconds(TrustLedger::kLeaseMs));
  return true;
}

bool ProductCache::Healthy() { return redis_.Ping(); }

}  // namespace flashsale::store
