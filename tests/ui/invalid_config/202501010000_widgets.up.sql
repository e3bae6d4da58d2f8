CREATE TABLE widgets (id bigint PRIMARY KEY, title text);
