-- The whole checkout domain. Money is integer cents; times are UTC DATETIME(3) written by the
-- application clock (one time source for "expires_at has passed").
--
-- Invariant kept by the application (see app/domain/):
--   products.reserved = SUM(holds.quantity WHERE status = 'active')
--                     + SUM(orders.quantity WHERE status = 'pending')
--   0 <= products.reserved <= products.stock
-- A hold whose expires_at has passed but whose status is still 'active' is "expired, not yet
-- released": it no longer counts for availability, and whoever touches it next (the expiry job,
-- a DELETE, or a hold request that needs its units) releases it.

CREATE TABLE IF NOT EXISTS products (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name         VARCHAR(200)    NOT NULL,
  price_cents  BIGINT          NOT NULL,
  stock        BIGINT          NOT NULL,   -- units not yet sold
  reserved     BIGINT          NOT NULL DEFAULT 0,
  created_at   DATETIME(3)     NOT NULL,
  updated_at   DATETIME(3)     NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT products_stock_covers_reserved CHECK (reserved >= 0 AND stock >= reserved)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS holds (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  product_id   BIGINT UNSIGNED NOT NULL,
  quantity     INT             NOT NULL,
  status       ENUM('active', 'used', 'released', 'expired') NOT NULL DEFAULT 'active',
  expires_at   DATETIME(3)     NOT NULL,
  created_at   DATETIME(3)     NOT NULL,
  released_at  DATETIME(3)     NULL,
  PRIMARY KEY (id),
  KEY holds_product_status_expiry (product_id, status, expires_at),
  KEY holds_status_expiry (status, expires_at)
  -- No foreign key to products on purpose: its check would take a shared lock on the product
  -- row, and every hold transaction upgrading that to the exclusive lock of its counter update
  -- deadlocks with the next buyer. The hold transaction itself proves the product exists (its
  -- conditional UPDATE must match the row) or rolls back.
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS orders (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  hold_id      BIGINT UNSIGNED NOT NULL,
  product_id   BIGINT UNSIGNED NOT NULL,
  quantity     INT             NOT NULL,
  total_cents  BIGINT          NOT NULL,
  status       ENUM('pending', 'paid', 'cancelled') NOT NULL DEFAULT 'pending',
  created_at   DATETIME(3)     NOT NULL,
  updated_at   DATETIME(3)     NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY orders_hold (hold_id),          -- a hold turns into at most one order
  KEY orders_product_status (product_id, status),
  CONSTRAINT orders_hold_fk FOREIGN KEY (hold_id) REFERENCES holds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Payment webhook deliveries, one row per idempotency key (applied at most once).
-- outcome: 'applied' changed the order; 'ignored' found it already settled (or lost to an
-- earlier event); 'deferred' waits for its order to be created.
CREATE TABLE IF NOT EXISTS payment_events (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  idempotency_key  VARCHAR(255)    NOT NULL,
  order_id         BIGINT UNSIGNED NOT NULL,
  status           ENUM('success', 'failed') NOT NULL,
  outcome          ENUM('deferred', 'applied', 'ignored') NOT NULL,
  created_at       DATETIME(3)     NOT NULL,
  settled_at       DATETIME(3)     NULL,
  PRIMARY KEY (id),
  UNIQUE KEY payment_events_key (idempotency_key),
  KEY payment_events_order (order_id, outcome)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Client retry safety for POST /api/holds and POST /api/orders (Idempotency-Key header).
-- status_code 0 marks a request still running; its row lock makes a concurrent repeat wait.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope         VARCHAR(32)   NOT NULL,
  idem_key      VARCHAR(255)  NOT NULL,
  request_hash  CHAR(64)      NOT NULL,
  status_code   INT           NOT NULL,
  response_body MEDIUMTEXT    NOT NULL,
  created_at    DATETIME(3)   NOT NULL,
  PRIMARY KEY (scope, idem_key),
  KEY idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS metrics_logs (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  type        VARCHAR(64)     NOT NULL,
  payload     LONGTEXT        NOT NULL CHECK (JSON_VALID(payload)),
  created_at  DATETIME(3)     NOT NULL,
  PRIMARY KEY (id),
  KEY metrics_logs_type (type, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
