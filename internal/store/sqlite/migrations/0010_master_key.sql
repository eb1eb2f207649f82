-- 0010: the fingerprint of the master key the database's secrets are sealed
-- under (an HMAC of a fixed label under the key, which reveals nothing of
-- it), stored at the first start, so that a process given another key
-- refuses to start instead of writing secrets nobody else can open.
CREATE TABLE master_key (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT    NOT NULL
) STRICT;
