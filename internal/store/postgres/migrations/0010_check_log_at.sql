-- 0010: check-log retention deletes the oldest records in rounds
-- (DeleteChecksBefore); this index finds them without reading the table.

CREATE INDEX check_log_at ON check_log (at);
