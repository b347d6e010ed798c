-- The schema of SPEC §8.3. Instants are TEXT in one fixed width
-- (YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ) so that comparing them as text compares
-- them in time. Ids are canonical lowercase UUID text.

CREATE TABLE workspace (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE user (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    -- SHA-256 of the bearer token: the token itself is never stored.
    token_sha256 TEXT NOT NULL UNIQUE,
    timezone     TEXT
) STRICT;

CREATE TABLE member (
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES user (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
) STRICT;
CREATE INDEX member_by_user ON member (user_id);

CREATE TABLE daemon_token (
    token_sha256 TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX daemon_token_by_workspace ON daemon_token (workspace_id);

CREATE TABLE runtime (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspace (id),
    name         TEXT NOT NULL,
    owner_id     TEXT REFERENCES user (id) ON DELETE SET NULL,
    visibility   TEXT NOT NULL,
    status       TEXT NOT NULL,
    last_seen_at TEXT,
    daemon_id    TEXT,
    provider     TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX runtime_by_workspace ON runtime (workspace_id, name);
CREATE INDEX runtime_by_owner ON runtime (owner_id);

CREATE TABLE agent (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspace (id),
    -- NULL: unbound. RESTRICT: a runtime with agents cannot vanish under them.
    runtime_id   TEXT REFERENCES runtime (id) ON DELETE RESTRICT,
    name         TEXT NOT NULL,
    owner_id     TEXT REFERENCES user (id) ON DELETE SET NULL,
    visibility   TEXT NOT NULL,
    status       TEXT NOT NULL,
    model        TEXT NOT NULL,
    -- Secrets: never selected by a query whose rows leave the server.
    instructions TEXT NOT NULL DEFAULT '',
    custom_env   TEXT NOT NULL DEFAULT '{}',
    mcp_config   TEXT NOT NULL DEFAULT '{}',
    archived_at  TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX agent_by_runtime ON agent (runtime_id);
CREATE INDEX agent_by_workspace ON agent (workspace_id, name);
CREATE INDEX agent_by_owner ON agent (owner_id);

CREATE TABLE squad (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspace (id),
    name         TEXT NOT NULL,
    leader_id    TEXT NOT NULL REFERENCES agent (id) ON DELETE RESTRICT,
    archived_at  TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX squad_by_leader ON squad (leader_id);
CREATE INDEX squad_by_workspace ON squad (workspace_id, name);

CREATE TABLE squad_member (
    squad_id TEXT NOT NULL REFERENCES squad (id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    PRIMARY KEY (squad_id, agent_id)
) STRICT;
CREATE INDEX squad_member_by_agent ON squad_member (agent_id);

-- Assignees are polymorphic (agent or squad): no foreign key can hold them.
CREATE TABLE autopilot (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspace (id),
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    pause_reason  TEXT,
    assignee_type TEXT NOT NULL CHECK (assignee_type IN ('agent', 'squad')),
    assignee_id   TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX autopilot_by_assignee ON autopilot (assignee_type, assignee_id);
CREATE INDEX autopilot_by_workspace ON autopilot (workspace_id, name);

CREATE TABLE issue (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspace (id),
    title         TEXT NOT NULL,
    status        TEXT NOT NULL,
    assignee_type TEXT CHECK (assignee_type IN ('agent', 'squad')),
    assignee_id   TEXT,
    created_at    TEXT NOT NULL,
    CHECK ((assignee_type IS NULL) = (assignee_id IS NULL))
) STRICT;
CREATE INDEX issue_by_assignee ON issue (assignee_type, assignee_id);
CREATE INDEX issue_by_workspace ON issue (workspace_id);

-- What a foreign key would do for the polymorphic issue assignee: an issue
-- never points at a deleted agent or squad; it becomes unassigned.
CREATE TRIGGER issue_unassign_deleted_agent AFTER DELETE ON agent BEGIN
    UPDATE issue SET assignee_type = NULL, assignee_id = NULL
    WHERE assignee_type = 'agent' AND assignee_id = OLD.id;
END;
CREATE TRIGGER issue_unassign_deleted_squad AFTER DELETE ON squad BEGIN
    UPDATE issue SET assignee_type = NULL, assignee_id = NULL
    WHERE assignee_type = 'squad' AND assignee_id = OLD.id;
END;

CREATE TABLE chat_session (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspace (id),
    agent_id     TEXT NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    runtime_id   TEXT REFERENCES runtime (id) ON DELETE SET NULL,
    title        TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX chat_session_by_agent ON chat_session (agent_id);
CREATE INDEX chat_session_by_runtime ON chat_session (runtime_id);

CREATE TABLE task (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspace (id),
    agent_id        TEXT NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    -- NULL once detached from a torn-down runtime (unbind policy).
    runtime_id      TEXT REFERENCES runtime (id) ON DELETE CASCADE,
    issue_id        TEXT REFERENCES issue (id) ON DELETE SET NULL,
    chat_session_id TEXT REFERENCES chat_session (id) ON DELETE SET NULL,
    status          TEXT NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    failure_reason  TEXT
) STRICT;
CREATE INDEX task_by_runtime ON task (runtime_id, status);
-- Not (agent_id, status, runtime_id): covering the history count saves
-- 25 ms on a 100,000-task snapshot, rewriting it costs 350 ms in detach_history.
CREATE INDEX task_by_agent ON task (agent_id, status);
CREATE INDEX task_by_runtime_started ON task (runtime_id, started_at);
CREATE INDEX task_by_issue ON task (issue_id);
CREATE INDEX task_by_chat_session ON task (chat_session_id);

-- Usage keeps task, agent and runtime ids as plain values: it survives a
-- teardown under both policies (SPEC §3.3, §5).
CREATE TABLE usage_row (
    task_id            TEXT NOT NULL,
    provider           TEXT NOT NULL,
    model              TEXT NOT NULL,
    workspace_id       TEXT NOT NULL,
    runtime_id         TEXT NOT NULL,
    agent_id           TEXT NOT NULL,
    input_tokens       INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cost_usd_ticks     INTEGER,
    created_at         TEXT NOT NULL,
    -- The quarter hour of created_at, as the core computes it: finds the
    -- rows of one rollup bucket when a report overwrites a row.
    bucket_start       TEXT NOT NULL,
    PRIMARY KEY (task_id, provider, model)
) STRICT;
CREATE INDEX usage_row_by_runtime ON usage_row (runtime_id, created_at);
CREATE INDEX usage_row_by_bucket ON usage_row (runtime_id, bucket_start, agent_id);

CREATE TABLE usage_rollup (
    runtime_id                  TEXT NOT NULL,
    bucket_start                TEXT NOT NULL,
    agent_id                    TEXT NOT NULL,
    provider                    TEXT NOT NULL,
    model                       TEXT NOT NULL,
    workspace_id                TEXT NOT NULL,
    input_tokens                INTEGER NOT NULL,
    output_tokens               INTEGER NOT NULL,
    cache_read_tokens           INTEGER NOT NULL,
    cache_write_tokens          INTEGER NOT NULL,
    cost_usd_ticks              INTEGER NOT NULL,
    uncosted_input_tokens       INTEGER NOT NULL,
    uncosted_output_tokens      INTEGER NOT NULL,
    uncosted_cache_read_tokens  INTEGER NOT NULL,
    uncosted_cache_write_tokens INTEGER NOT NULL,
    task_count                  INTEGER NOT NULL,
    event_count                 INTEGER NOT NULL,
    PRIMARY KEY (runtime_id, bucket_start, agent_id, provider, model, workspace_id)
) STRICT, WITHOUT ROWID;

-- The rollup again, summed over agents into whole UTC hours: what the daily
-- report reads when every local date of its window starts on the hour (most
-- zones), a fraction of the rows. Kept from usage_rollup, in its transaction.
CREATE TABLE usage_hourly (
    runtime_id                  TEXT NOT NULL,
    hour_start                  TEXT NOT NULL,
    provider                    TEXT NOT NULL,
    model                       TEXT NOT NULL,
    input_tokens                INTEGER NOT NULL,
    output_tokens               INTEGER NOT NULL,
    cache_read_tokens           INTEGER NOT NULL,
    cache_write_tokens          INTEGER NOT NULL,
    cost_usd_ticks              INTEGER NOT NULL,
    uncosted_input_tokens       INTEGER NOT NULL,
    uncosted_output_tokens      INTEGER NOT NULL,
    uncosted_cache_read_tokens  INTEGER NOT NULL,
    uncosted_cache_write_tokens INTEGER NOT NULL,
    PRIMARY KEY (runtime_id, hour_start, provider, model)
) STRICT, WITHOUT ROWID;
