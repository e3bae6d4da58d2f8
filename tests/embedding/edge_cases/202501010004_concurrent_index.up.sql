CREATE INDEX CONCURRENTLY tasks_id_idx ON "tâches" (id);
