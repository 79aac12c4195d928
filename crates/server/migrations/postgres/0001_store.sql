-- The store's first schema (PostgreSQL). Times are Unix milliseconds unless a name says seconds.

-- Host user reference -> Basiq user, per host. A row is written 'pending' before POST /users
-- (with a hash of the contact details sent), becomes 'ready' with the Basiq user id, or
-- 'unconfirmed' when the answer was lost (the user may exist at Basiq: found again later).
CREATE TABLE host_users (
    host TEXT NOT NULL,
    user_ref TEXT NOT NULL,
    basiq_user_id TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'unconfirmed', 'ready')),
    contact_hash TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (host, user_ref)
);
CREATE INDEX host_users_by_basiq_user ON host_users (basiq_user_id);

-- Single-use link tokens: only a SHA-256 of the token is kept.
CREATE TABLE link_tokens (
    token_hash TEXT PRIMARY KEY,
    basiq_user_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX link_tokens_by_expiry ON link_tokens (expires_at);

-- The last refresh started per (user, connection).
CREATE TABLE refresh_slots (
    user_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, connection_id)
);

-- Upstream /token calls of every replica, for the fleet-wide cap.
CREATE TABLE token_calls (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('server', 'client'))
);
CREATE INDEX token_calls_by_time ON token_calls (at);

-- Consent UI hand-offs in flight and their results (single-use nonces). Seconds.
CREATE TABLE handoffs (
    nonce TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    expires_at_secs BIGINT NOT NULL,
    returned_at_secs BIGINT,
    job_id TEXT,
    job_ids TEXT NOT NULL DEFAULT ''
);
CREATE INDEX handoffs_by_expiry ON handoffs (expires_at_secs);

-- Revoked sessions ('session': subject = session id, until_secs = keep until) and users
-- ('user': subject = Basiq user, until_secs = sessions created up to it are revoked).
CREATE TABLE revocations (
    kind TEXT NOT NULL CHECK (kind IN ('session', 'user')),
    subject TEXT NOT NULL,
    until_secs BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (kind, subject)
);
CREATE INDEX revocations_by_time ON revocations (recorded_at);

-- Basiq webhook deliveries already acted on (by webhook-id).
CREATE TABLE webhooks_received (
    webhook_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Events for the host's webhook receiver; id is the webhook-id, stable across retries.
CREATE TABLE webhook_outbox (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    user_id TEXT,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_at);
