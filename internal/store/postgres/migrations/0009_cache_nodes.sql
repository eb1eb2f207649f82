-- 0009: what lets a write wait until every node's cache has heard it
-- (doc.go, "Coherence"). change_seq numbers the transactions that announce
-- changes; its one row is locked from the increment to the commit, so the
-- numbers follow commit order, which is the order in which every listener
-- hears the announcements. cache_nodes holds one row per node whose cache
-- answers from memory: how far it has heard, and until when (database
-- clock) it holds its lease. The rows are the running nodes' business, not
-- data: the table is UNLOGGED (a crash empties it, and ends every node's
-- subscription with it), and copies and backups leave both tables out.
CREATE TABLE change_seq (
    id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT  NOT NULL
);
INSERT INTO change_seq (id, seq) VALUES (1, 0);

CREATE UNLOGGED TABLE cache_nodes (
    node_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    heard_seq   BIGINT      NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL
);
