-- Rows a database at schema version 9 adds: a change number and one
-- node's lease (the running nodes' business, not data; see 0009).
UPDATE change_seq SET seq = 42 WHERE id = 1;
INSERT INTO cache_nodes (node_id, heard_seq, lease_until) VALUES
    ('node-1/123/0a1b2c3d4e5f', 41, '2025-06-01 12:00:03+00');
