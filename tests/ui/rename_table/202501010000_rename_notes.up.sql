ALTER TABLE case_notes RENAME TO notes;
