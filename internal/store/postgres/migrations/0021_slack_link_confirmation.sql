-- 0021: a Slack link is pending until the Slack user confirms it; the
-- same change as SQLite's 0022.
--
-- confirmed_at is when the Slack user pressed "Confirm: this is me" in the
-- direct message the app sent them; 0 while the link is pending. A
-- pending link gets no approval messages and votes nothing. Links made
-- before this migration were never confirmed by their Slack user (they
-- were bound through an email nobody had to prove), so they become
-- pending: their members link again.
ALTER TABLE slack_links ADD COLUMN confirmed_at BIGINT NOT NULL DEFAULT 0;
