-- Two-factor authentication (accounts/totp.py, docs/accounts.md): a user's TOTP secret,
-- encrypted under a key derived from the server's secret key (never in clear), the
-- last time step a code was accepted at (a code is never taken twice), the argon2
-- hashes of the unused recovery codes, and the sites whose owner requires 2FA.
CREATE TABLE user_totp (
    user_id integer PRIMARY KEY,
    secret bytea NOT NULL,
    enabled boolean NOT NULL,
    last_step bigint NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE user_recovery_codes (
    user_id integer NOT NULL,
    code_hash text NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE site_security (
    site_id integer PRIMARY KEY,
    require_2fa boolean NOT NULL
);
-- Retention (footfall/retention.py): a daily job runs once across replicas, whichever
-- claims its (job, period) row first.
CREATE TABLE job_claims (
    job text NOT NULL,
    period text NOT NULL,
    claimed_at timestamptz NOT NULL,
    PRIMARY KEY (job, period)
);
