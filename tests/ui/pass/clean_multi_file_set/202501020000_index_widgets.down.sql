DROP INDEX CONCURRENTLY widgets_name_idx;
