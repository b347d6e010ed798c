-- GET /api/tasks lists a workspace's unfinished tasks.
CREATE INDEX task_by_workspace_status ON task (workspace_id, status);
