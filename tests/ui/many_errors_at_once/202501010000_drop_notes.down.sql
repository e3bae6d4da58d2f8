CREATE TABLE case_notes (id bigint PRIMARY KEY);
