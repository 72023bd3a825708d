// TrustLedger: the cache's trust state that every pool shares, kept in the database
// (sql/migrations/008_cache_trust.sql).
//
// WHY THE DATABASE
// A writer must delete a product's cache entry before it answers (guarantee 4). When it cannot
// reach Redis, the entry may survive, and another pool, on a host that does reach Redis, would
// serve it. The writer cannot tell that pool through Redis; the only thing every pool reaches,
// and that the writer has just reached to commit, is the database. So the warning goes there,
// and every pool holds a lease on what the database said (ProductCache, product_cache.h):
//
//   reader  reads the ledger at least every kLeaseMs, and reads the cache only while its last
//           read is younger than that and the ledger's `untrusted_until` has passed; the first
//           reader after that retires every entry (new cache epoch) before reading one;
//   writer  that could not invalidate bumps `dirty` and pushes `untrusted_until` kSpanMs ahead
//           (or finds that a mark of its pool already covers its commit), then waits until
//           kLeaseMs after that mark before answering: by then every lease that did not see
//           the mark has expired.
//
// Only durations cross hosts (the database computes `untrusted_until - now` for the reader), so
// the hosts' clocks need not agree; the margins cover clock rates, not offsets.
#pragma once

#include <cstdint>

namespace flashsale::store {

class Database;

class TrustLedger {
 public:
  static constexpr int64_t kLeaseMs = 1000;   // a reader's knowledge of the ledger lives this long
  static constexpr int64_t kSpanMs = 10000;   // how far a mark pushes `untrusted_until`
  static constexpr int64_t kMarginMs = 50;    // taken off every bound, against clock rates

  explicit TrustLedger(Database& db) : db_(db) {}

  struct Reading {
    uint64_t dirty = 0;
    int64_t untrusted_for_ms = 0;  // from the database's now; 0 when it has passed
  };
  // One autocommit read. False when the database cannot be reached.
  bool Read(Reading* out);

  // Bumps `dirty` and pushes `untrusted_until` to at least now + kSpanMs, committed. False when
  // it could not be committed (the caller must not answer the write as a success).
  bool Mark();

 private:
  Database& db_;
};

}  // namespace flashsale::store
