-- The claim's candidate query orders READY tasks by (next_run_at, task_id). With only (state, next_run_at)
-- indexed, every claim sorted all READY rows sharing a next_run_at (a bulk of tasks planned in the same
-- millisecond): 3.7 ms per claim at 10 000 READY tasks, and 8 concurrent claimers managed ~550 claims/s.
-- Indexed in claim order the query reads 8 index entries (0.04 ms). docs/performance.md.
CREATE INDEX tasks_claim_order ON tasks (state, next_run_at, task_id);
DROP INDEX tasks_claimable;
