-- Per-buyer limit (the API reference "Holds", "Operator endpoints"): a product may cap the units one buyer
-- holds, has pending or has paid (max_per_buyer, NULL = no limit). Holds carry the buyer_id the
-- shop sends, and orders copy it from their hold.
--
-- buyer_locks has one row per (product, buyer) that ever held a limited product. A hold of a
-- limited product takes that row's exclusive lock first (INSERT ... ON DUPLICATE KEY UPDATE:
-- a record lock on the primary key, no gap), so two holds of one buyer run one after the other
-- and different buyers never wait for each other; only then does it sum the buyer's units
-- (holds_buyer, orders_buyer) and reserve with the product row last
-- (007_hold_reserve_commit_v2.sql). A buyer whose row did not exist yet has no units to sum:
-- every buyer with units of a limited product has a row, because setting a limit (PATCH, under
-- the product's row lock) creates the rows of the buyers the product already has.
-- lock_count counts the holds that took the lock (and makes the upsert always change the row,
-- so its affected-rows value tells a new buyer, 1, from a known one, 2).
--
-- buyer_id compares byte for byte (NO PAD binary collation, as in 004): "c1" and "c1 " are
-- two buyers. Re-runnable: every step checks whether it was already done.
ALTER TABLE products
  ADD COLUMN IF NOT EXISTS max_per_buyer INT NULL AFTER reserved,
  ADD CONSTRAINT IF NOT EXISTS products_max_per_buyer_positive
    CHECK (max_per_buyer IS NULL OR max_per_buyer >= 1);

ALTER TABLE holds
  ADD COLUMN IF NOT EXISTS buyer_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin
    NULL AFTER quantity,
  ADD KEY IF NOT EXISTS holds_buyer (product_id, buyer_id, status, expires_at);

ALTER TABLE orders
  ADD COLUMN IF NOT EXISTS buyer_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin
    NULL AFTER quantity,
  ADD KEY IF NOT EXISTS orders_buyer (product_id, buyer_id, status, expires_at);

CREATE TABLE IF NOT EXISTS buyer_locks (
  product_id  BIGINT UNSIGNED NOT NULL,
  buyer_id    VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  lock_count  BIGINT UNSIGNED NOT NULL DEFAULT 1,
  PRIMARY KEY (product_id, buyer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
