-- Rows a database at schema version 12 adds: an OpenID client of an
-- application, a retired and a current signing key, and a request in
-- flight with its code (see 0012).
INSERT INTO oidc_clients (id, tenant_id, name, secret_hash, public, redirect_uris, frame_origins, app_id, created_at) VALUES
    ('oc1', 't1', 'cognito step-up', 'hash', false, '["https://app.example.com/cb"]', '["https://app.example.com"]', 'a1',
     1748779200000000011);
INSERT INTO oidc_keys (id, algorithm, sealed_key, public_key, created_at, retired_at, expires_at) VALUES
    ('ok1', 'ES256', '\x01', '\x02', 1748779200000000012, 1748779200000000013, 1748782800000000013),
    ('ok2', 'ES256', '\x03', '\x04', 1748779200000000013, 0, 0);
INSERT INTO oidc_requests (id, tenant_id, client_id, code_hash, document, created_at, expires_at) VALUES
    ('or1', 't1', 'oc1', 'codehash', '{"nonce":"n"}', 1748779200000000014, 1748779800000000014);
