-- hold_reserve_commit_v2: the whole hold transaction in one round trip, with the per-buyer
-- limit. Supersedes hold_reserve_commit (003), which stays for workers of the previous release
-- during a rolling restart.
--
-- Statement order is what makes the limit race-free without touching the hot row early:
--   1. p_lock_buyer = 1 and a buyer: lock the buyer's buyer_locks row (X record lock). Holds of
--      one buyer queue here; other buyers do not.
--   2. Read max_per_buyer (a plain read: no lock on the product row).
--   3. Limited product: refuse without a buyer; without the buyer lock (the caller guessed
--      "unlimited"), stop so that the caller rolls back and calls again with p_lock_buyer = 1;
--      else sum the buyer's active unexpired holds, pending unexpired orders and paid orders and
--      refuse if this hold would go over the limit. The application runs this transaction in
--      READ COMMITTED (store/db.h), so the sum sees every hold committed before it started, and
--      it starts after the buyer lock was granted: it sees every hold of that buyer's earlier
--      holders. (Under REPEATABLE READ it would too: the snapshot is fixed by the first plain
--      read, step 2, which also comes after the lock. Nothing may be read before this call in
--      the same transaction.)
--   4. Insert the hold and its hold_created row, then the conditional counter update of the
--      product row (the only contended row) last, and COMMIT.
-- Reads are SELECT ... INTO, not SET v = (SELECT ...): InnoDB reads the tables of a statement
-- that is not a SELECT with shared locks under REPEATABLE READ, which would lock the hot row for
-- the whole transaction and gap-lock other buyers' holds. An unlimited product pays one
-- primary-key read of the product row more than 003 did.
--
-- Answers one row (hold_id, outcome, max_per_buyer or 0, remaining):
--   1 reserved and committed;
--   0 the units were not there: the transaction is still open with the hold and its metrics row
--     in it (the application releases expired holds and orders and retries, or rolls back);
--   2 limited product and the buyer lock was not taken: nothing written, roll back, call again;
--   3 limited product and no buyer: nothing written;
--   4 over the limit: nothing written; remaining = what the buyer may still hold.
DELIMITER //
CREATE OR REPLACE PROCEDURE hold_reserve_commit_v2(
    IN p_product_id BIGINT UNSIGNED,
    IN p_quantity INT,
    IN p_buyer_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin,
    IN p_lock_buyer TINYINT,
    IN p_expires_at DATETIME(3),
    IN p_now DATETIME(3),
    IN p_event_payload LONGTEXT)
hold: BEGIN
  DECLARE v_limit INT DEFAULT NULL;
  DECLARE v_used BIGINT DEFAULT 0;
  DECLARE v_hold_id BIGINT UNSIGNED;
  IF p_lock_buyer = 1 AND p_buyer_id IS NOT NULL THEN
    INSERT INTO buyer_locks (product_id, buyer_id) VALUES (p_product_id, p_buyer_id)
      ON DUPLICATE KEY UPDATE buyer_id = VALUES(buyer_id);
  END IF;
  -- MAX(): one row even for an unknown product (then NULL, and the counter update finds none).
  SELECT MAX(max_per_buyer) INTO v_limit FROM products WHERE id = p_product_id;
  IF v_limit IS NOT NULL THEN
    IF p_buyer_id IS NULL THEN
      SELECT 0 AS hold_id, 3 AS outcome, v_limit AS max_per_buyer, 0 AS remaining;
      LEAVE hold;
    END IF;
    IF p_lock_buyer <> 1 THEN
      SELECT 0 AS hold_id, 2 AS outcome, v_limit AS max_per_buyer, 0 AS remaining;
      LEAVE hold;
    END IF;
    SELECT COALESCE(SUM(quantity), 0) INTO v_used FROM holds FORCE INDEX (holds_buyer)
     WHERE product_id = p_product_id AND buyer_id = p_buyer_id
       AND status = 'active' AND expires_at > p_now;
    SELECT v_used + COALESCE(SUM(quantity), 0) INTO v_used FROM orders FORCE INDEX (orders_buyer)
     WHERE product_id = p_product_id AND buyer_id = p_buyer_id
       AND (status = 'paid' OR (status = 'pending' AND expires_at > p_now));
    IF v_used + p_quantity > v_limit THEN
      SELECT 0 AS hold_id, 4 AS outcome, v_limit AS max_per_buyer,
             GREATEST(v_limit - v_used, 0) AS remaining;
      LEAVE hold;
    END IF;
  END IF;
  INSERT INTO holds (product_id, quantity, buyer_id, status, expires_at, created_at)
  VALUES (p_product_id, p_quantity, p_buyer_id, 'active', p_expires_at, p_now);
  SET v_hold_id = LAST_INSERT_ID();
  INSERT INTO metrics_logs (type, payload, created_at)
  VALUES ('hold_created', JSON_SET(p_event_payload, '$.hold_id', v_hold_id), p_now);
  UPDATE products
     SET reserved = reserved + p_quantity, updated_at = p_now
   WHERE id = p_product_id AND stock - reserved >= p_quantity;
  IF ROW_COUNT() = 1 THEN
    COMMIT;
    SELECT v_hold_id AS hold_id, 1 AS outcome, COALESCE(v_limit, 0) AS max_per_buyer,
           0 AS remaining;
  ELSE
    SELECT v_hold_id AS hold_id, 0 AS outcome, COALESCE(v_limit, 0) AS max_per_buyer,
           0 AS remaining;
  END IF;
END //
DELIMITER ;
