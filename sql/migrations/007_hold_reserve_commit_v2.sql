-- hold_reserve_commit_v2: the whole hold transaction in one round trip, with the per-buyer
-- limit. Supersedes hold_reserve_commit (003), which stays for workers of the previous release
-- during a rolling restart.
--
-- The caller guesses whether the product has a limit (p_lock_buyer); the product row decides.
-- Guessed unlimited (p_lock_buyer = 0): exactly 003's statements, except that the counter update
-- also requires max_per_buyer IS NULL, so a limit set in the meantime is never missed: the
-- update is refused and the caller, reading the product, runs again as limited.
-- Guessed limited (p_lock_buyer = 1):
--   1. With a buyer: lock the buyer's buyer_locks row (X record lock). Holds of one buyer queue
--      here; other buyers do not. A known buyer (the row existed) gets its units summed: active
--      unexpired holds + pending unexpired orders + paid orders. The application runs the hold
--      in READ COMMITTED (store/db.h), so that sum sees every hold committed before it started,
--      and it starts after the lock was granted: it sees every hold of the buyer's earlier lock
--      holders. A new buyer has no units (006 explains why every buyer with units has a row).
--   2. Read the limit; refuse without a buyer, or when this hold would go over it, before
--      writing anything.
--   3. The counter update re-checks the limit under the product row's lock
--      (max_per_buyer IS NULL OR units + quantity <= max_per_buyer): a PATCH that changed it in
--      the meantime is obeyed.
-- Either way the hold and its hold_created row are inserted first and the conditional counter
-- update of the product row (the only contended row) comes last, then COMMIT.
-- Reads are SELECT ... INTO, not SET v = (SELECT ...): InnoDB reads the tables of a statement
-- that is not a SELECT with shared locks under REPEATABLE READ (and locking reads of holds would
-- gap-lock other buyers' ranges).
--
-- Answers one row (hold_id, outcome, max_per_buyer, remaining, units):
--   outcome 1 reserved and committed; 0 not reserved: the transaction is still open with the
--     hold and its metrics row in it (the application reads the product to tell "no units" from
--     "a limit": it releases expired holds and orders and retries, or rolls back);
--     3 limited product and no buyer, 4 over the limit: nothing written but the buyer's lock;
--   max_per_buyer: the limit read in step 2 (0: none), -1 when not read (guessed unlimited);
--   remaining: with outcome 4, what the buyer may still hold;
--   units: the buyer's units counted in step 1, -1 when the buyer's lock was not taken.
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
  DECLARE v_locked TINYINT DEFAULT 0;
  DECLARE v_units BIGINT DEFAULT 0;
  DECLARE v_limit INT DEFAULT NULL;
  DECLARE v_seen INT DEFAULT -1;
  DECLARE v_hold_id BIGINT UNSIGNED;
  IF p_lock_buyer = 1 THEN
    IF p_buyer_id IS NOT NULL THEN
      INSERT INTO buyer_locks (product_id, buyer_id) VALUES (p_product_id, p_buyer_id)
        ON DUPLICATE KEY UPDATE lock_count = lock_count + 1;
      IF ROW_COUNT() <> 1 THEN  -- 1: inserted, a new buyer; 2: a known buyer's row updated
        SELECT (SELECT COALESCE(SUM(IF(status = 'active' AND expires_at > p_now, quantity, 0)), 0)
                  FROM holds FORCE INDEX (holds_buyer)
                 WHERE product_id = p_product_id AND buyer_id = p_buyer_id)
             + (SELECT COALESCE(SUM(IF(status = 'paid'
                                       OR (status = 'pending' AND expires_at > p_now),
                                       quantity, 0)), 0)
                  FROM orders FORCE INDEX (orders_buyer)
                 WHERE product_id = p_product_id AND buyer_id = p_buyer_id)
          INTO v_units;
      END IF;
      SET v_locked = 1;
    END IF;
    -- MAX(): one row even for an unknown product (then NULL, and the update finds no row).
    SELECT MAX(max_per_buyer) INTO v_limit FROM products WHERE id = p_product_id;
    SET v_seen = COALESCE(v_limit, 0);
    IF v_limit IS NOT NULL AND p_buyer_id IS NULL THEN
      SELECT 0 AS hold_id, 3 AS outcome, v_seen AS max_per_buyer, 0 AS remaining, -1 AS units;
      LEAVE hold;
    END IF;
    IF v_limit IS NOT NULL AND v_units + p_quantity > v_limit THEN
      SELECT 0 AS hold_id, 4 AS outcome, v_seen AS max_per_buyer,
             GREATEST(v_limit - v_units, 0) AS remaining, v_units AS units;
      LEAVE hold;
    END IF;
  END IF;
  INSERT INTO holds (product_id, quantity, buyer_id, status, expires_at, created_at)
  VALUES (p_product_id, p_quantity, p_buyer_id, 'active', p_expires_at, p_now);
  SET v_hold_id = LAST_INSERT_ID();
  INSERT INTO metrics_logs (type, payload, created_at)
  VALUES ('hold_created', JSON_SET(p_event_payload, '$.hold_id', v_hold_id), p_now);
  IF v_locked = 1 THEN
    UPDATE products
       SET reserved = reserved + p_quantity, updated_at = p_now
     WHERE id = p_product_id AND stock - reserved >= p_quantity
       AND (max_per_buyer IS NULL OR v_units + p_quantity <= max_per_buyer);
  ELSE
    UPDATE products
       SET reserved = reserved + p_quantity, updated_at = p_now
     WHERE id = p_product_id AND stock - reserved >= p_quantity AND max_per_buyer IS NULL;
  END IF;
  IF ROW_COUNT() = 1 THEN
    COMMIT;
    SELECT v_hold_id AS hold_id, 1 AS outcome, IF(v_seen < 0, 0, v_seen) AS max_per_buyer,
           0 AS remaining, IF(v_locked = 1, v_units, -1) AS units;
  ELSE
    SELECT v_hold_id AS hold_id, 0 AS outcome, v_seen AS max_per_buyer, 0 AS remaining,
           IF(v_locked = 1, v_units, -1) AS units;
  END IF;
END //
DELIMITER ;
