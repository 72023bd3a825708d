-- Strings compared byte for byte, and product names of up to 255 characters (the API reference,
-- Conventions: "k" and "k " are different keys).
--
-- utf8mb4_bin and the default utf8mb4 collation are PAD SPACE collations in MariaDB: trailing
-- spaces are ignored in comparisons, so a webhook key "k " was taken for "k", and the default
-- one also ignores case (type=HOLD_CREATED matched hold_created). The NO PAD binary collation
-- compares every byte. VARCHAR lengths count characters in utf8mb4, as the contract does.
ALTER TABLE payment_events
  MODIFY idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

ALTER TABLE idempotency_keys
  MODIFY scope VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  MODIFY idem_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

ALTER TABLE metrics_logs
  MODIFY type VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

ALTER TABLE products MODIFY name VARCHAR(255) NOT NULL;
