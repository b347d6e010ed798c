-- The runtime registry and the task queue of SPEC §7: daemons register
-- runtimes and heartbeat; runtimes claim tasks under a lease and a token.

ALTER TABLE runtime ADD COLUMN hostname TEXT;
ALTER TABLE runtime ADD COLUMN device_info TEXT;
ALTER TABLE runtime ADD COLUMN metadata TEXT;
-- The first hostname-derived daemon id merged into this row.
ALTER TABLE runtime ADD COLUMN legacy_daemon_id TEXT;
-- Registration upserts on these three; rows loaded without a daemon id
-- (NULLs are distinct) are not registered by any daemon.
CREATE UNIQUE INDEX runtime_by_daemon ON runtime (workspace_id, daemon_id, provider);
-- Legacy ids are matched case-insensitively.
CREATE INDEX runtime_by_daemon_lower ON runtime (workspace_id, provider, lower(daemon_id));
CREATE INDEX runtime_by_status ON runtime (status, last_seen_at);

ALTER TABLE agent ADD COLUMN max_concurrent_tasks INTEGER;

-- The member a daemon runs for: the owner of the runtimes it registers.
ALTER TABLE daemon_token ADD COLUMN user_id TEXT REFERENCES user (id) ON DELETE SET NULL;

-- An autopilot run is a plain value: runs are not stored here.
ALTER TABLE task ADD COLUMN autopilot_run_id TEXT;
ALTER TABLE task ADD COLUMN dispatched_at TEXT;
-- Kept until the task ends, so a repeated start is recognised.
ALTER TABLE task ADD COLUMN claim_token TEXT;
ALTER TABLE task ADD COLUMN claim_expires_at TEXT;
ALTER TABLE task ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE task ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 2;
ALTER TABLE task ADD COLUMN parent_task_id TEXT;
ALTER TABLE task ADD COLUMN error TEXT;
-- The daemon's result, as JSON text.
ALTER TABLE task ADD COLUMN result TEXT;
ALTER TABLE task ADD COLUMN session_id TEXT;
ALTER TABLE task ADD COLUMN work_dir TEXT;
-- A manual rerun starts a new conversation: no session is resumed.
ALTER TABLE task ADD COLUMN force_fresh_session INTEGER NOT NULL DEFAULT 0;

-- The claim reads a runtime's queue in claim order.
CREATE INDEX task_claim_order ON task (runtime_id, status, priority DESC, created_at, id);
-- The sweeper reads what may have timed out or expired, one range each.
CREATE INDEX task_by_status_created ON task (status, created_at);
CREATE INDEX task_by_status_dispatched ON task (status, dispatched_at);
CREATE INDEX task_by_status_started ON task (status, started_at);
-- Session resume reads one agent's tasks on one issue.
CREATE INDEX task_by_agent_issue ON task (agent_id, issue_id);
