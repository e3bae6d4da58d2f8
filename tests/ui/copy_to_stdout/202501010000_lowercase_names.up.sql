UPDATE widgets SET name = lower(name) WHERE name <> lower(name);
COPY (SELECT id, name FROM widgets) TO STDOUT WITH (FORMAT csv);
