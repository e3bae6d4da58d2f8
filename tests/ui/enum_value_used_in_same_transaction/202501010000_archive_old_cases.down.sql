UPDATE cases SET status = 'closed' WHERE status = 'archived';
