-- Accounts: users, per-site roles, web sessions, invitations and shared links.
-- Secrets are stored as hashes: argon2 for passwords, SHA-256 of 256-bit random
-- tokens for sessions and invitations (a fast hash suffices for random tokens).
CREATE SEQUENCE IF NOT EXISTS user_ids START 1;
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY DEFAULT nextval('user_ids'),
    email VARCHAR NOT NULL UNIQUE,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,          -- instance-wide role: owner, admin, viewer, or '' (per site only)
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
    user_id INTEGER NOT NULL,
    site_id INTEGER NOT NULL,
    role VARCHAR NOT NULL,          -- owner, admin, viewer
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, site_id)
);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS invitations (
    token_hash BLOB PRIMARY KEY,
    email VARCHAR NOT NULL,
    site_id INTEGER NOT NULL,
    role VARCHAR NOT NULL,
    invited_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS share_ids START 1;
CREATE TABLE IF NOT EXISTS shared_links (
    id INTEGER PRIMARY KEY DEFAULT nextval('share_ids'),
    site_id INTEGER NOT NULL,
    token VARCHAR NOT NULL UNIQUE,
    name VARCHAR NOT NULL,
    password_hash VARCHAR,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
