// Registry: counters and latency histograms that every worker of the pool adds to, kept in the
// pool's shared memory (the scoreboard's metrics area), so a scrape served by any worker sees the
// sum over all workers, including workers that have died since.
//
// DESIGN
// A fixed-size open-addressing table of series. A series is a metric family and its label pairs
// (the key, at most kKeyBytes) with atomic values: a counter, or a histogram's per-bucket counts,
// count and sum. Adding is a relaxed fetch_add; no process ever waits for another.
//   - A new key claims a free entry with a compare-and-swap (free -> claimed), writes the key,
//     then publishes it (claimed -> ready, release). Others read a key only once it is ready.
//   - A process that meets a claimed entry waits a little for it; an entry whose claimer died
//     stays claimed for ever and is skipped, so the key may get a second entry. Snapshot() adds
//     up entries with the same key, so duplicates are harmless.
//   - Each process remembers where its keys live (entries never move), so the table is probed
//     once per key and process.
//   - A full table drops new keys (counted in dropped()); label values come from fixed sets
//     (route templates, error codes), so the key space is small and known.
// The table is built once, in the master before the first fork (`initialize`); workers inherit
// it, and a master that adopts the area after an exec() takes it as it is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flashsale::metrics {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Latency histogram bucket upper bounds, in seconds (+Inf is implicit).
inline constexpr double kLatencyBounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1,     2.5,  5,    10,  30};
inline constexpr size_t kBounds = sizeof(kLatencyBounds) / sizeof(kLatencyBounds[0]);

enum class Kind : uint8_t { kCounter = 1, kHistogram = 2 };

// One series as read: its values summed over the entries with its key.
struct SeriesValue {
  std::string family;
  std::vector<std::pair<std::string, std::string>> labels;
  Kind kind = Kind::kCounter;
  uint64_t value = 0;          // counter; for a histogram, its count
  uint64_t sum_micros = 0;     // histogram: sum of the observations, microseconds
  uint64_t buckets[kBounds + 1] = {};  // histogram: per bucket, NOT cumulative; last is +Inf
};

struct Entry;
struct AreaHeader;

class Registry {
 public:
  static constexpr size_t kKeyBytes = 232;

  // `area` (64-byte aligned) of `bytes`, shared by every process that adds to it; `initialize`
  // builds an empty table in it. The Registry object itself is per process.
  Registry(void* area, size_t bytes, bool initialize);

  void Add(std::string_view family, Labels labels, uint64_t n = 1);
  void Observe(std::string_view family, Labels labels, uint64_t micros);

  // Every series, summed per key, sorted by family then labels.
  std::vector<SeriesValue> Snapshot() const;
  // Adds dropped because the table was full, or a key was too long.
  uint64_t dropped() const;
  size_t capacity() const { return capacity_; }

 private:
  Entry* Find(Kind kind, std::string_view family, Labels labels);

  AreaHeader* header_;
  Entry* entries_;
  size_t capacity_;
  std::unordered_map<std::string, Entry*> known_;  // this process's keys
};

}  // namespace flashsale::metrics
