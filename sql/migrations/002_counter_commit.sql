-- product_counters_commit: change a product's counters and COMMIT in one round trip.
--
-- Why: the product row is the hot row of a flash sale. Between a client's UPDATE and its COMMIT
-- the row stays locked for a network round trip plus however long the worker waits for a CPU;
-- every other buyer queues behind that. Doing both inside the server shrinks the lock to the
-- update itself (InnoDB releases row locks at commit, before the log flush it then waits for).
--
-- When p_event_type is not NULL the metrics_logs row recording the change is inserted first, in
-- the same transaction and the same round trip.
--
-- The UPDATE is conditional: it applies only if stock - reserved >= p_required_available after
-- nothing else changed, which is the no-oversell check (pass a large negative number when giving
-- units back). It answers one row: 1 = applied and committed, 0 = not applied, transaction
-- still open (the caller decides: release expired holds and retry, or roll back).
DELIMITER //
CREATE OR REPLACE PROCEDURE product_counters_commit(
    IN p_product_id BIGINT UNSIGNED,
    IN p_stock_delta BIGINT,
    IN p_reserved_delta BIGINT,
    IN p_required_available BIGINT,
    IN p_now DATETIME(3),
    IN p_event_type VARCHAR(64),
    IN p_event_payload LONGTEXT)
BEGIN
  IF p_event_type IS NOT NULL THEN
    INSERT INTO metrics_logs (type, payload, created_at) VALUES (p_event_type, p_event_payload, p_now);
  END IF;
  UPDATE products
     SET stock = stock + p_stock_delta,
         reserved = reserved + p_reserved_delta,
         updated_at = p_now
   WHERE id = p_product_id AND stock - reserved >= p_required_available;
  IF ROW_COUNT() = 1 THEN
    COMMIT;
    SELECT 1 AS applied;
  ELSE
    SELECT 0 AS applied;
  END IF;
END //
DELIMITER ;
