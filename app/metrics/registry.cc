#include "metrics/registry.h"

#include <sched.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <new>

namespace flashsale::metrics {

static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared counters must be lock-free");

namespace {

constexpr uint32_t kFree = 0;
constexpr uint32_t kClaimed = 1;
constexpr uint32_t kReady = 2;

// How long a process waits for another to publish the key of an entry it claimed.
constexpr int kClaimWaits = 1000;

uint32_t Hash(std::string_view key) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  return h;
}

// Appends `s` and a NUL, with any NUL inside `s` replaced (our names and values have none).
void AppendPart(std::string& key, std::string_view s) {
  size_t at = key.size();
  key.append(s);
  std::replace(key.begin() + static_cast<std::ptrdiff_t>(at), key.end(), '\0', '?');
  key += '\0';
}

// family NUL name NUL value NUL ...
std::string Key(std::string_view family, Labels labels) {
  std::string key;
  AppendPart(key, family);
  for (const auto& [name, value] : labels) {
    AppendPart(key, name);
    AppendPart(key, value);
  }
  return key;
}

}  // namespace

struct alignas(64) AreaHeader {
  std::atomic<uint64_t> dropped{0};
};

struct alignas(64) Entry {
  std::atomic<uint32_t> state{kFree};
  // Written by the claimer before state becomes kReady, read by others only after.
  uint32_t hash = 0;
  uint16_t key_len = 0;
  Kind kind = Kind::kCounter;
  char key[Registry::kKeyBytes] = {};
  std::atomic<uint64_t> value{0};
  std::atomic<uint64_t> sum_micros{0};
  std::atomic<uint64_t> buckets[kBounds + 1] = {};
};

Registry::Registry(void* area, size_t bytes, bool initialize) {
  capacity_ = bytes > sizeof(AreaHeader) ? (bytes - sizeof(AreaHeader)) / sizeof(Entry) : 0;
  char* base = static_cast<char*>(area);
  if (initialize) {
    header_ = new (base) AreaHeader();
    entries_ = reinterpret_cast<Entry*>(base + sizeof(AreaHeader));
    for (size_t i = 0; i < capacity_; ++i) new (&entries_[i]) Entry();
  } else {
    header_ = reinterpret_cast<AreaHeader*>(base);
    entries_ = reinterpret_cast<Entry*>(base + sizeof(AreaHeader));
  }
}

Entry* Registry::Find(Kind kind, std::string_view family, Labels labels) {
  std::string key = Key(family, labels);
  auto known = known_.find(key);
  if (known != known_.end()) return known->second;
  if (key.size() > kKeyBytes || capacity_ == 0) {
    header_->dropped.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  uint32_t hash = Hash(key);
  for (size_t probe = 0; probe < capacity_; ++probe) {
    Entry& e = entries_[(hash + probe) % capacity_];
    uint32_t state = e.state.load(std::memory_order_acquire);
    if (state == kFree) {
      if (e.state.compare_exchange_strong(state, kClaimed, std::memory_order_acquire)) {
        e.hash = hash;
        e.key_len = static_cast<uint16_t>(key.size());
        e.kind = kind;
        std::memcpy(e.key, key.data(), key.size());
        e.state.store(kReady, std::memory_order_release);
        known_.emplace(std::move(key), &e);
        return &e;
      }
      // Lost the race: `state` now holds what the winner wrote; look at it below.
    }
    for (int wait = 0; state == kClaimed && wait < kClaimWaits; ++wait) {
      sched_yield();
      state = e.state.load(std::memory_order_acquire);
    }
    if (state != kReady) continue;  // still claimed: its claimer died; skip it
    if (e.hash == hash && e.key_len == key.size() && e.kind == kind &&
        std::memcmp(e.key, key.data(), key.size()) == 0) {
      known_.emplace(std::move(key), &e);
      return &e;
    }
  }
  header_->dropped.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

void Registry::Add(std::string_view family, Labels labels, uint64_t n) {
  if (Entry* e = Find(Kind::kCounter, family, labels)) {
    e->value.fetch_add(n, std::memory_order_relaxed);
  }
}

void Registry::Observe(std::string_view family, Labels labels, uint64_t micros) {
  Entry* e = Find(Kind::kHistogram, family, labels);
  if (e == nullptr) return;
  size_t bucket = 0;
  while (bucket < kBounds && static_cast<double>(micros) > kLatencyBounds[bucket] * 1e6) ++bucket;
  e->buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  e->sum_micros.fetch_add(micros, std::memory_order_relaxed);
  e->value.fetch_add(1, std::memory_order_relaxed);
}

std::vector<SeriesValue> Registry::Snapshot() const {
  std::map<std::pair<Kind, std::string>, SeriesValue> merged;
  for (size_t i = 0; i < capacity_; ++i) {
    const Entry& e = entries_[i];
    if (e.state.load(std::memory_order_acquire) != kReady) continue;
    std::string key(e.key, e.key_len);
    SeriesValue& v = merged[{e.kind, key}];
    if (v.family.empty()) {
      v.kind = e.kind;
      size_t at = key.find('\0');
      v.family = key.substr(0, at);
      while (at + 1 < key.size()) {
        size_t name_end = key.find('\0', at + 1);
        size_t value_end = key.find('\0', name_end + 1);
        v.labels.emplace_back(key.substr(at + 1, name_end - at - 1),
                              key.substr(name_end + 1, value_end - name_end - 1));
        at = value_end;
      }
    }
    v.value += e.value.load(std::memory_order_relaxed);
    v.sum_micros += e.sum_micros.load(std::memory_order_relaxed);
    for (size_t b = 0; b <= kBounds; ++b) v.buckets[b] += e.buckets[b].load(std::memory_order_relaxed);
  }
  std::vector<SeriesValue> out;
  out.reserve(merged.size());
  for (auto& [key, v] : merged) out.push_back(std::move(v));
  std::sort(out.begin(), out.end(), [](const SeriesValue& a, const SeriesValue& b) {
    return a.family != b.family ? a.family < b.family : a.labels < b.labels;
  });
  return out;
}

uint64_t Registry::dropped() const { return header_->dropped.load(std::memory_order_relaxed); }

}  // namespace flashsale::metrics
