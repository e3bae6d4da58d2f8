BEGIN;
INSERT INTO cases (title) VALUES ('y');
COMMIT;
