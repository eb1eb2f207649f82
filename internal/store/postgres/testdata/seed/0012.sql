-- Rows a database at schema version 12 adds (0012, the OpenID provider):
-- none yet; its tables start empty here. Add rows for oidc_clients, oidc_keys
-- and oidc_requests to cover them.
SELECT 1;
