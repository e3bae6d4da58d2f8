INSERT INTO cases (title) VALUES ('x');
CREATE INDEX CONCURRENTLY cases_title_idx ON cases (title);
