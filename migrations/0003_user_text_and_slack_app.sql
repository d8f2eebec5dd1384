-- A description's segments (mentions, channels, links, @here, user groups) as JSON when it holds
-- more than text (src/core/user-text.ts), so Slack messages keep them; NULL for plain text.
-- `description` keeps the readable form the API, the dashboard, the CSV and webhooks show.
ALTER TABLE requests ADD COLUMN description_rich TEXT;

-- Events API deliveries already handled, by event_id: Slack retries a delivery it thinks failed
-- (X-Slack-Retry-Num 1-3, within about 5 minutes) with the same event_id, and a retry must repeat
-- no side effect. Rows older than a day are deleted as new ones arrive.
CREATE TABLE slack_events (
  event_id    TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX slack_events_by_time ON slack_events (received_at);

-- What happened to the app's installation: app_uninstalled and tokens_revoked events, a token
-- error Slack confirmed (auth.test), a token that works again. The latest row with a bot_token
-- state for the configured token says whether Slack calls fail fast.
CREATE TABLE slack_app_events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  event         TEXT NOT NULL,
  -- 'revoked': the bot token no longer works; 'works': it works again; NULL: no change (e.g. only user tokens revoked).
  bot_token     TEXT CHECK (bot_token IN ('revoked', 'works')),
  -- A fingerprint of the bot token concerned (SHA-256, 16 hex characters), never the token: a new token starts clean.
  token_id      TEXT NOT NULL,
  team_id       TEXT,
  enterprise_id TEXT,
  detail        TEXT,
  at            TEXT NOT NULL
);
CREATE INDEX slack_app_events_by_token ON slack_app_events (token_id, bot_token, id);
