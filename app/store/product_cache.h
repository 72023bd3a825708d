// ProductCache: availability snapshots in Redis that are never older than the last completed
// write (guarantee 4), even across Redis restarts, flushes and outages.
//
// DESIGN
// A snapshot is what GET /api/products/{id} shows, computed from the database at one instant,
// plus `valid_until`: the next moment a hold or a pending order expires. Until then
// availability can change only through a write; after it the entry is dead (Redis drops it with
// PX, readers check it too).
//
// Writers invalidate after COMMIT and before answering, by bumping a per-product generation and
// deleting the entry. A reader fills a miss only if the generation it saw before reading the
// database is still current (compare-and-set in a Lua script), so a slow reader cannot put back
// a value that a write completed in the meantime has superseded.
//
// If a writer cannot reach Redis, the entry it should have deleted may survive (Redis paused, or
// restarted from a snapshot, or this host cut off from it). The writer then marks the cache
// untrusted twice:
//   - in CacheTrust, a page shared by all workers of the pool: nobody of the pool reads from
//     Redis until one worker has reached it again and retired every entry at once by bumping
//     the global epoch that each entry carries;
//   - in the database (TrustLedger, trust_ledger.h), for the other pools, which may reach Redis
//     when this one does not: they hold a lease of at most a second on the ledger, and the
//     writer answers only once every lease that did not see its mark has expired. A reader that
//     finds the ledger's counter ahead of the one recorded as cleaned in Redis retires every
//     entry (epoch bump) and records the counter, in the script that reads the entry.
//
// An entry lives at most kMaxEntryAgeMs. That bounds the one gap no protocol closes: a writer
// killed between its COMMIT and its invalidation (its client never got an answer; a retry of
// the same request invalidates again, see the services).
//
// Writers outside the pool (the expiry job) never change availability: they release holds and
// orders that already stopped counting.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/records.h"

namespace flashsale::store {

class RedisClient;
class TrustLedger;

// Lives in memory shared by the pool's processes (or is private, for a lone process). Times are
// steady-clock milliseconds (CLOCK_MONOTONIC: one clock for every process of the host, across
// reloads). The shared fields only ever grow (fetch_max), so a worker killed half-way through
// an update leaves them more cautious, never less.
struct CacheTrust {
  std::atomic<uint64_t> dirty{0};  // bumped by a writer that could not invalidate
  std::atomic<uint64_t> clean{0};  // the last `dirty` value whose entries have been retired

  // The pool's lease on the ledger (trust_ledger.h): written after the value it vouches for.
  std::atomic<int64_t> lease_until_ms{0};
  std::atomic<uint64_t> ledger_dirty{0};  // the ledger's `dirty` as last read
};

struct ProductSnapshot {
  int64_t id = 0;
  std::string name;
  int64_t price_cents = 0;
  int64_t stock = 0;
  int64_t available = 0;
  std::optional<int64_t> max_per_buyer;
  Millis valid_until = 0;  // exclusive
};

// What a reader saw before going to the database; Put only succeeds if it is still current.
struct CacheToken {
  bool usable = false;
  std::string epoch;
  std::string generation;
};

class ProductCache {
 public:
  static constexpr int64_t kMaxEntryAgeMs = 1000;

  // `ledger` null: a lone process that shares the cache with no other pool.
  ProductCache(RedisClient& redis, CacheTrust& trust, TrustLedger* ledger = nullptr);

  // A snapshot valid at `now`, or nullopt (miss, stale, Redis down or untrusted). On a miss with
  // Redis reachable, *token is filled for a later Put.
  std::optional<ProductSnapshot> Get(int64_t product_id, Millis now, CacheToken* token);

  // Stores a snapshot read from the database after `token` was taken. Best effort.
  void Put(const ProductSnapshot& snapshot, const CacheToken& token, Millis now);

  // Called after a committed write, before the response goes out. False: the entry may
  // survive and the other pools could not be warned; the write must not be answered as a
  // success (503; a retry with the same key tells the truth and invalidates again). May wait
  // up to TrustLedger::kLeaseMs when Redis cannot be reached (trust_ledger.h).
  bool Invalidate(int64_t product_id);

  bool Healthy();

 private:
  // Whether this pool may read the cache now; *ledger_dirty: the ledger's counter that must be
  // recorded as cleaned in Redis before an entry is read.
  bool Trusted(uint64_t* ledger_dirty);
  bool LedgerLease(int64_t now_ms, uint64_t* ledger_dirty);
  bool WarnOtherPools();

  RedisClient& redis_;
  CacheTrust& trust_;
  TrustLedger* ledger_;
};

}  // namespace flashsale::store
