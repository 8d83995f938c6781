-- Throttled auth attempts (src/auth/LoginThrottle.ts), shared by every API process.
-- One row per (kind, key): `attempts` counted in a window that starts at the first attempt and
-- ends at `window_ends_at`; the next attempt after that starts a new window. One upsert
-- increments and returns the count, so parallel attempts cannot all pass a check.
--   login_pair     key: client address + sha256 of the email   (failed logins of one email from one address)
--   login_address  key: client address                          (failed logins from one address, any email)
--   signup         key: client address                          (create-org and join-org attempts)
CREATE TABLE auth_attempts (
  kind            text NOT NULL,
  key             text NOT NULL,
  attempts        integer NOT NULL CHECK (attempts >= 0),
  window_ends_at  timestamptz NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX auth_attempts_expired ON auth_attempts (window_ends_at);
