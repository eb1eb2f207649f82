-- Rows a database at schema version 8 adds: the master key's fingerprint.
INSERT INTO master_key (id, fingerprint) VALUES
    (1, '5f0c8a4e0d8f3b1e2a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a');
