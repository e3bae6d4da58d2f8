-- Réglages: a type, with CRLF line endings
CREATE TYPE state AS ENUM ('open');

  CREATE TABLE "tâches" (id bigint PRIMARY KEY, state state NOT NULL);
