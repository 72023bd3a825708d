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
//   reader  reads the ledger at least every kLeaseMs and reads the cache only while its last
//           read is younger than that; when the ledger's `dirty` is ahead of the value recorded
//           in Redis as cleaned, it first retires every entry (new cache epoch) and records it,
//           in the script that reads the entry;
//   writer  that could not invalidate bumps `dirty` (after its own COMMIT), then waits until
//           kLeaseMs after that bump before answering: by then every lease that did not see
//           the bump has expired, and every pool retires the entry before reading it.
//
// The cost falls on the host that cannot reach Redis: each of its writes waits a second; the
// other pools lose their cached entries once per bump, and keep using the cache.
// No clock crosses hosts: each process measures its own lease; kMarginMs covers clock rates.
#pragma once

#include <cstdint>

namespace flashsale::store {

class Database;

class TrustLedger {
 public:
  static constexpr int64_t kLeaseMs = 1000;  // a reader's knowledge of the ledger lives this long
  static constexpr int64_t kMarginMs = 50;   // taken off a lease, against clock rates

  explicit TrustLedger(Database& db) : db_(db) {}

  // The ledger's `dirty`. False when the database cannot be reached.
  bool Read(uint64_t* dirty);

  // Bumps `dirty`, committed. False when it could not be committed (the caller must not answer
  // the write as a success).
  bool Mark();

 private:
  Database& db_;
};

}  // namespace flashsale::store
