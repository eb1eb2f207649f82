-- 0008: the fingerprint of the master key the database's secrets are sealed
-- under (the same record as SQLite's 0010): an HMAC of a fixed label under
-- the key, stored at the first start, so that a process given another key
-- refuses to start instead of writing secrets nobody else can open.
CREATE TABLE master_key (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT COLLATE "C" NOT NULL
);
