-- The cache's trust state shared by every pool (app/store/trust_ledger.h). One row.
--
-- A worker that committed a write but could not delete the product's cache entry (its host cut
-- off from Redis) cannot warn the other pools through Redis. It warns them here instead: it bumps
-- `dirty`. Every pool reads this row at least once a second before it reads the cache; a pool
-- that finds `dirty` ahead of the value recorded as cleaned in Redis retires every entry (a new
-- cache epoch) and records the new value, in one script, before it reads an entry.
-- Re-runnable.
CREATE TABLE IF NOT EXISTS cache_trust (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  dirty BIGINT UNSIGNED NOT NULL DEFAULT 0,
  CONSTRAINT cache_trust_one_row CHECK (id = 1)
) ENGINE=InnoDB;

INSERT IGNORE INTO cache_trust (id) VALUES (1);
