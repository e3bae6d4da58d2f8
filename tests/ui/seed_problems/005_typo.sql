INSERT INTO cases (title) VALUES ('z')
SELEC 1;
