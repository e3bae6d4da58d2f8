CREATE TABLE widgets (
    id bigint PRIMARY KEY,
    size integer NOT NULL DEFALT 0
);
