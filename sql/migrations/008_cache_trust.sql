-- The cache's trust state shared by every pool (app/store/trust_ledger.h). One row.
--
-- A worker that committed a write but could not delete the product's cache entry (its host cut
-- off from Redis) cannot warn the other pools through Redis. It warns them here instead: it bumps
-- `dirty` and pushes `untrusted_until` (UTC, the database's clock) a few seconds ahead. Every
-- pool reads this row at least once a second before it reads the cache; while `untrusted_until`
-- lies ahead nobody reads the cache, and afterwards the first reader retires every entry (a new
-- cache epoch) before recording in Redis that `dirty` has been cleaned.
-- Re-runnable.
CREATE TABLE IF NOT EXISTS cache_trust (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  dirty BIGINT UNSIGNED NOT NULL DEFAULT 0,
  untrusted_until DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:01',
  CONSTRAINT cache_trust_one_row CHECK (id = 1)
) ENGINE=InnoDB;

INSERT IGNORE INTO cache_trust (id) VALUES (1);
