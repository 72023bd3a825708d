-- Local stack seed: product 1. INSERT IGNORE keeps a second run (and existing data) untouched.
INSERT IGNORE INTO products (id, name, price_cents, stock, reserved, created_at, updated_at)
VALUES (1, 'Flash Sale Item', 9999, 100, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3));
