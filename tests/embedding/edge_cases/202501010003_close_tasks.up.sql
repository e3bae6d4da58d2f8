UPDATE "tâches" SET state = 'closed' WHERE id < 0;
-- pgshift:allow create-index-non-concurrently -- built with INDEX_CONCURRENT=1
	CREATE INDEX tasks_state_idx ON public."tâches" (state);
