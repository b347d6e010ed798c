-- The queue's indexes of 0003, remade to hold only the tasks they serve.
-- Nearly all tasks are finished, and every index on `task` is written
-- again for each task a teardown deletes: with the five full indexes of 0003, deleting a
-- 1,000-agent runtime's 97,000 tasks took 0.9 s instead of 0.46 s
-- (scripts/bench). A partial index is not touched by a row outside it.

-- The claim reads one runtime's queued tasks in claim order.
DROP INDEX task_claim_order;
CREATE INDEX task_queued_claim_order ON task (runtime_id, priority DESC, created_at, id)
  WHERE status = 'queued';

-- The sweeper reads one range per kind of timeout.
DROP INDEX task_by_status_created;
DROP INDEX task_by_status_dispatched;
DROP INDEX task_by_status_started;
CREATE INDEX task_queued_by_created ON task (created_at) WHERE status = 'queued';
CREATE INDEX task_dispatched_by_dispatched ON task (dispatched_at) WHERE status = 'dispatched';
CREATE INDEX task_running_by_started ON task (started_at) WHERE status = 'running';

-- Session resume reads one agent's tasks on one issue: task_by_issue finds
-- the issue's few tasks, the agent is a filter on them.
DROP INDEX task_by_agent_issue;
