ALTER TABLE notes RENAME TO case_notes;
