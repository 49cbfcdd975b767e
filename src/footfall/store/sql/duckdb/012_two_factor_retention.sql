-- Two-factor authentication (accounts/totp.py, docs/accounts.md): a user's TOTP secret,
-- encrypted under a key derived from the server's secret key (never in clear), the
-- last time step a code was accepted at (a code is never taken twice), the argon2
-- hashes of the unused recovery codes, and the sites whose owner requires 2FA.
CREATE TABLE IF NOT EXISTS user_totp (
    user_id INTEGER PRIMARY KEY,
    secret BLOB NOT NULL,
    enabled BOOLEAN NOT NULL,
    last_step BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS user_recovery_codes (
    user_id INTEGER NOT NULL,
    code_hash VARCHAR NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE IF NOT EXISTS site_security (
    site_id INTEGER PRIMARY KEY,
    require_2fa BOOLEAN NOT NULL
);
-- Retention (footfall/retention.py): a daily job runs once across replicas, whichever
-- claims its (job, period) row first.
CREATE TABLE IF NOT EXISTS job_claims (
    job VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (job, period)
);
