-- Payment window: a pending order waits at most order_ttl_seconds for its payment
-- (the API reference "Orders"). At expires_at it stops counting, exactly like an expired hold: readers add
-- its units back to `available` and whoever touches it next (the expiry job, a hold request
-- that needs its units, a late webhook) turns it into 'expired' and takes it out of `reserved`.
--
-- Invariant (001 still holds as written): products.reserved = active holds + pending orders,
-- where "pending" is the stored status, so an order past expires_at that nobody released yet
-- still counts in `reserved` until it is released.
--
-- Orders that exist when this migration runs get the default window (900 s) from their
-- creation; the application sets expires_at for every new order from order_ttl_seconds.
-- Re-runnable: every step checks whether it was already done.
ALTER TABLE orders
  MODIFY status ENUM('pending', 'paid', 'cancelled', 'expired') NOT NULL DEFAULT 'pending',
  ADD COLUMN IF NOT EXISTS expires_at DATETIME(3) NULL AFTER total_cents;

UPDATE orders SET expires_at = created_at + INTERVAL 900 SECOND WHERE expires_at IS NULL;

-- (product_id, status, expires_at): the readers' sum of expired pending orders and the next
-- order expiry of one product, as for holds. (status, expires_at): the expiry job's scan.
ALTER TABLE orders
  MODIFY expires_at DATETIME(3) NOT NULL,
  DROP INDEX IF EXISTS orders_product_status,
  ADD KEY IF NOT EXISTS orders_product_status_expiry (product_id, status, expires_at),
  ADD KEY IF NOT EXISTS orders_status_expiry (status, expires_at);
