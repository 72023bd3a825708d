-- hold_reserve_commit: the whole hold transaction of a flash sale in one round trip.
--
-- Inserts the hold, records hold_created (the payload comes from the application with
-- "hold_id": 0; the new id is set here), reserves the units with the conditional counter update
-- (last, so the product row is locked for the update and the COMMIT only) and commits.
-- Answers one row (hold_id, applied): applied = 1 means committed; 0 means the units were not
-- there, and the transaction is still open with the hold and its metrics row in it (the
-- application releases expired holds and retries, or rolls back).
DELIMITER //
CREATE OR REPLACE PROCEDURE hold_reserve_commit(
    IN p_product_id BIGINT UNSIGNED,
    IN p_quantity INT,
    IN p_expires_at DATETIME(3),
    IN p_now DATETIME(3),
    IN p_event_payload LONGTEXT)
BEGIN
  DECLARE v_hold_id BIGINT UNSIGNED;
  INSERT INTO holds (product_id, quantity, status, expires_at, created_at)
  VALUES (p_product_id, p_quantity, 'active', p_expires_at, p_now);
  SET v_hold_id = LAST_INSERT_ID();
  INSERT INTO metrics_logs (type, payload, created_at)
  VALUES ('hold_created', JSON_SET(p_event_payload, '$.hold_id', v_hold_id), p_now);
  UPDATE products
     SET reserved = reserved + p_quantity, updated_at = p_now
   WHERE id = p_product_id AND stock - reserved >= p_quantity;
  IF ROW_COUNT() = 1 THEN
    COMMIT;
    SELECT v_hold_id AS hold_id, 1 AS applied;
  ELSE
    SELECT v_hold_id AS hold_id, 0 AS applied;
  END IF;
END //
DELIMITER ;
