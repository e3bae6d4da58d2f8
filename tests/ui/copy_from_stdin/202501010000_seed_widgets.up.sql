CREATE TABLE widgets (id bigint PRIMARY KEY, name text NOT NULL);

COPY widgets (id, name) FROM stdin;
1	bolt
2	nut
\.
