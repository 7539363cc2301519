-- Refresh tokens: an opaque token per device that buys a new access token, rotated on every use. Only the SHA-256
-- hash of a token is stored, so a copy of the database cannot act as any device. A used token is kept (with
-- `used_at`) so that presenting it again is recognised as theft and revokes the device. `expires_at` is the
-- maximum offline period after issue: a device that does not refresh within it must log in again.

CREATE TABLE refresh_tokens (
    -- Lowercase hex SHA-256 of the token.
    token_hash  TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX refresh_tokens_by_device ON refresh_tokens (device_id);
