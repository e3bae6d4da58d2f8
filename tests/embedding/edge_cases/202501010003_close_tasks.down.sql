DROP INDEX tasks_state_idx;
