-- Basiq deliveries recorded against their user (what happened to whose connection or consent).
ALTER TABLE webhooks_received ADD COLUMN basiq_user_id TEXT;
ALTER TABLE webhooks_received ADD COLUMN connection_id TEXT;
ALTER TABLE webhooks_received ADD COLUMN consent_id TEXT;
ALTER TABLE webhooks_received ADD COLUMN event_id TEXT;
CREATE INDEX webhooks_received_by_user ON webhooks_received (basiq_user_id, received_at);
