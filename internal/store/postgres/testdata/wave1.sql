--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    app_id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL COLLATE pg_catalog."C",
    owner_id text COLLATE pg_catalog."C",
    current_grant_id text COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: applications; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.applications (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL COLLATE pg_catalog."C",
    issuer text NOT NULL COLLATE pg_catalog."C",
    unenrolled text NOT NULL COLLATE pg_catalog."C",
    fail_mode text NOT NULL COLLATE pg_catalog."C",
    enabled boolean NOT NULL,
    locked_down boolean NOT NULL,
    default_unlock bigint NOT NULL,
    max_unlock bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    origins text[] DEFAULT '{}'::text[] NOT NULL COLLATE pg_catalog."C",
    server_names_accounts boolean DEFAULT false NOT NULL,
    CONSTRAINT applications_default_unlock_check CHECK ((default_unlock > 0)),
    CONSTRAINT applications_fail_mode_check CHECK ((fail_mode = ANY (ARRAY['open'::text, 'closed'::text]))),
    CONSTRAINT applications_max_unlock_check CHECK ((max_unlock > 0)),
    CONSTRAINT applications_unenrolled_check CHECK ((unenrolled = ANY (ARRAY['allow'::text, 'deny'::text])))
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    seq bigint NOT NULL,
    at bigint NOT NULL,
    actor text NOT NULL COLLATE pg_catalog."C",
    action text NOT NULL COLLATE pg_catalog."C",
    target text NOT NULL COLLATE pg_catalog."C",
    data text NOT NULL COLLATE pg_catalog."C",
    prev_hash text NOT NULL COLLATE pg_catalog."C",
    hash text NOT NULL COLLATE pg_catalog."C",
    CONSTRAINT audit_log_seq_check CHECK ((seq > 0))
);


--
-- Name: check_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.check_log (
    id text NOT NULL COLLATE pg_catalog."C",
    seq bigint NOT NULL,
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    app_id text NOT NULL COLLATE pg_catalog."C",
    kid text NOT NULL COLLATE pg_catalog."C",
    account text NOT NULL COLLATE pg_catalog."C",
    at bigint NOT NULL,
    locked boolean NOT NULL,
    status text NOT NULL COLLATE pg_catalog."C",
    ip text NOT NULL COLLATE pg_catalog."C",
    device text NOT NULL COLLATE pg_catalog."C",
    location text NOT NULL COLLATE pg_catalog."C",
    integration_type text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: check_log_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.check_log ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.check_log_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: grants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.grants (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    account_id text NOT NULL COLLATE pg_catalog."C",
    until bigint NOT NULL,
    once boolean NOT NULL,
    reason text NOT NULL COLLATE pg_catalog."C",
    granted_by text NOT NULL COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    consumed_at bigint NOT NULL,
    revoked_at bigint NOT NULL,
    end_announced_at bigint DEFAULT 0 NOT NULL
);


--
-- Name: invites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invites (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    member_id text NOT NULL COLLATE pg_catalog."C",
    created_by text NOT NULL COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint NOT NULL
);


--
-- Name: leases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leases (
    job text NOT NULL COLLATE pg_catalog."C",
    holder text NOT NULL COLLATE pg_catalog."C",
    until bigint NOT NULL
);


--
-- Name: master_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.master_key (
    id integer NOT NULL,
    fingerprint text NOT NULL COLLATE pg_catalog."C",
    CONSTRAINT master_key_id_check CHECK ((id = 1))
);


--
-- Name: members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.members (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    email text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL COLLATE pg_catalog."C",
    role text NOT NULL COLLATE pg_catalog."C",
    lock_all boolean NOT NULL,
    locked_down boolean NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    channels text[] COLLATE pg_catalog."C",
    email_verified_at bigint NOT NULL,
    CONSTRAINT members_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'approver'::text, 'member'::text])))
);


--
-- Name: nonces; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.nonces (
    key text NOT NULL COLLATE pg_catalog."C",
    expires_at bigint NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    webhook_id text COLLATE pg_catalog."C",
    type text NOT NULL COLLATE pg_catalog."C",
    payload bytea NOT NULL,
    created_at bigint NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at bigint NOT NULL,
    delivered_at bigint NOT NULL,
    failed_at bigint NOT NULL,
    last_error text NOT NULL COLLATE pg_catalog."C",
    channel text NOT NULL COLLATE pg_catalog."C",
    member_id text COLLATE pg_catalog."C",
    CONSTRAINT outbox_target CHECK ((((channel = 'webhook'::text) AND (webhook_id IS NOT NULL) AND (member_id IS NULL)) OR ((channel = ANY (ARRAY['email'::text, 'push'::text])) AND (member_id IS NOT NULL) AND (webhook_id IS NULL))))
);


--
-- Name: passkeys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.passkeys (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    member_id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL COLLATE pg_catalog."C",
    credential bytea NOT NULL,
    created_at bigint NOT NULL,
    last_used_at bigint NOT NULL
);


--
-- Name: push_subscriptions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.push_subscriptions (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    member_id text NOT NULL COLLATE pg_catalog."C",
    endpoint text NOT NULL COLLATE pg_catalog."C",
    p256dh bytea NOT NULL,
    auth bytea NOT NULL,
    user_agent text NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    member_id text NOT NULL COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    seen_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    ip text NOT NULL COLLATE pg_catalog."C",
    user_agent text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: signing_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.signing_keys (
    kid text NOT NULL COLLATE pg_catalog."C",
    app_id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    algorithm text NOT NULL COLLATE pg_catalog."C",
    sealed_secret bytea NOT NULL,
    public_key bytea NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    revoked_at bigint NOT NULL,
    last_used_at bigint NOT NULL,
    CONSTRAINT signing_keys_algorithm_check CHECK ((algorithm = ANY (ARRAY['HS256'::text, 'ES256'::text, 'EdDSA'::text])))
);


--
-- Name: tenants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tenants (
    id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL COLLATE pg_catalog."C",
    created_at bigint NOT NULL
);


--
-- Name: unlock_requests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.unlock_requests (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    app_id text NOT NULL COLLATE pg_catalog."C",
    account_id text NOT NULL COLLATE pg_catalog."C",
    status text NOT NULL COLLATE pg_catalog."C",
    ip text NOT NULL COLLATE pg_catalog."C",
    device text NOT NULL COLLATE pg_catalog."C",
    location text NOT NULL COLLATE pg_catalog."C",
    integration_type text NOT NULL COLLATE pg_catalog."C",
    checks integer NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    decided_by text NOT NULL COLLATE pg_catalog."C",
    decided_at bigint NOT NULL,
    grant_id text NOT NULL COLLATE pg_catalog."C",
    CONSTRAINT unlock_requests_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'approved'::text, 'denied'::text, 'expired'::text])))
);


--
-- Name: webhooks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhooks (
    id text NOT NULL COLLATE pg_catalog."C",
    tenant_id text NOT NULL COLLATE pg_catalog."C",
    url text NOT NULL COLLATE pg_catalog."C",
    sealed_secret bytea NOT NULL,
    events text[] NOT NULL COLLATE pg_catalog."C",
    created_at bigint NOT NULL
);


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.accounts VALUES ('01a22a7e-5fb0-760f-b1f4-d1d6ec46e0d4', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'erin', '01a22a7e-556b-7eb3-bd22-a5986d8721e7', NULL, 1796009254829018200, 1796009254829018200);
INSERT INTO public.accounts VALUES ('01a22a7e-6173-705a-9207-a50bb6b84f54', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', 'frank', NULL, NULL, 1796009255281396816, 1796009255281396816);
INSERT INTO public.accounts VALUES ('01a22a7e-6175-7953-a467-603d1d307019', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', 'grace', '01a22a7e-6177-7048-8387-23dd14a35d18', '01a22a7e-617d-73f1-99b5-7ac7195da02d', 1796009255281396816, 1796009255281396816);
INSERT INTO public.accounts VALUES ('01a22a7e-6184-7474-be8b-aebd3a4c071a', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', 'heidi', NULL, NULL, 1796009255281396816, 1796009255281396816);
INSERT INTO public.accounts VALUES ('01a22a7e-5ad9-76fc-8666-f4bdbc864b93', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'alice', '01a22a7e-5ac9-799a-b154-ec8086baf61f', '01a22a7e-624e-72b1-8337-27811aaae526', 1796009253573994618, 1796009253573994618);
INSERT INTO public.accounts VALUES ('01a22a7e-5c19-72d6-909a-3c4c62fbc2bf', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'bob', '01a22a7e-5bff-71f7-98e0-549e7dc949b8', '01a22a7e-631a-70cc-b754-2b8459eb6c4d', 1796009253883327933, 1796009253883327933);
INSERT INTO public.accounts VALUES ('01a22a7e-5d22-7940-a22a-68c36b5056f4', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'carol', '01a22a7e-5d1d-7781-b129-403a5722b23b', '01a22a7e-64e5-7467-8342-cb2be257aec0', 1796009254167810918, 1796009254167810918);
INSERT INTO public.accounts VALUES ('01a22a7e-5e55-7152-a330-2fe722dc7be1', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'dave', '01a22a7e-5e4e-7e00-b89a-7029bc4a3c94', '01a22a7e-65c7-7ed4-a35f-28c24a891477', 1796009254472713617, 1796009254472713617);
INSERT INTO public.accounts VALUES ('01a22a7e-60bb-793b-842f-9caf70cf1a1b', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3ff2-7031-81cf-5a2933e33b9a', 'alice', '01a22a7e-5ac9-799a-b154-ec8086baf61f', '01a22a7e-66b6-71c9-9bc4-6a16750ae4a7', 1796009255096268276, 1796009255096268276);


--
-- Data for Name: applications; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.applications VALUES ('01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'Wiki', 'https://wiki.acme.test', 'allow', 'closed', true, false, 900000000000, 31536000000000000, 1796009246528051404, 1796009246528051404, '{}', false);
INSERT INTO public.applications VALUES ('01a22a7e-3ff2-7031-81cf-5a2933e33b9a', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'Mail', 'https://mail.acme.test', 'deny', 'open', true, false, 1800000000000, 86400000000000, 1796009246705855055, 1796009247106222204, '{https://mail.acme.test}', false);
INSERT INTO public.applications VALUES ('01a22a7e-40cf-771d-8233-6ab2fcb5ae42', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 'Intranet', 'https://intranet.globex.test', 'allow', 'closed', true, false, 900000000000, 86400000000000, 1796009246927339814, 1796009247369257936, '{}', true);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 1, 1796009246057126209, 'cli:root', 'tenant.created', 'tenant:01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '{"name":"acme"}', '0000000000000000000000000000000000000000000000000000000000000000', '0d19b2e4e34f3527fff336fbf07f079d3c44a46d54362e12f27c96b5ad4d1e38');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 2, 1796009246057126209, 'cli:root', 'member.created', 'member:01a22a7e-3d72-7c3c-a2c3-541f77e059f7', '{"email":"owner@acme.test","role":"owner"}', '0d19b2e4e34f3527fff336fbf07f079d3c44a46d54362e12f27c96b5ad4d1e38', 'a6bebbd9f14d37dfe5df6a93c3ec69e7c39b85828310c67193c81897d8aeef28');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 3, 1796009246057126209, 'cli:root', 'member.invited', 'member:01a22a7e-3d72-7c3c-a2c3-541f77e059f7', '{"email":"owner@acme.test","expires":"2026-12-03T03:27:26.057126209Z"}', 'a6bebbd9f14d37dfe5df6a93c3ec69e7c39b85828310c67193c81897d8aeef28', '406f13b89e15751e5ee128b038c500ed9422f5ad03fd5a351653b8cd88b002b2');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 1, 1796009246322507999, 'cli:root', 'tenant.created', 'tenant:01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '{"name":"globex"}', '0000000000000000000000000000000000000000000000000000000000000000', '769853c9ddd9be9d6d85588f5b1c51da166dfcf9c63b67d7061fb6f54bdcf220');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 4, 1796009246528051404, 'cli:root', 'application.created', 'application:01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', '{"fail_mode":"closed","issuer":"https://wiki.acme.test","name":"Wiki","unenrolled":"allow"}', '406f13b89e15751e5ee128b038c500ed9422f5ad03fd5a351653b8cd88b002b2', '97f0e9d567f866b6b3dc6bb9cf4fcd027f09a8b925ed65944e76d14b1a9b156f');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 5, 1796009246705855055, 'cli:root', 'application.created', 'application:01a22a7e-3ff2-7031-81cf-5a2933e33b9a', '{"fail_mode":"open","issuer":"https://mail.acme.test","name":"Mail","unenrolled":"deny"}', '97f0e9d567f866b6b3dc6bb9cf4fcd027f09a8b925ed65944e76d14b1a9b156f', '7475f6d2f08e3bfaa7698e0ed902682217dd10f94c89058a9955c3ae3cd0eb24');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 2, 1796009246927339814, 'cli:root', 'application.created', 'application:01a22a7e-40cf-771d-8233-6ab2fcb5ae42', '{"fail_mode":"closed","issuer":"https://intranet.globex.test","name":"Intranet","unenrolled":"allow"}', '769853c9ddd9be9d6d85588f5b1c51da166dfcf9c63b67d7061fb6f54bdcf220', '9cecc839f0efef8ccb177f8424a34588852372fe69b6e0de4597f5e0095c3fa5');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 6, 1796009247106222204, 'cli:root', 'application.updated', 'application:01a22a7e-3ff2-7031-81cf-5a2933e33b9a', '{"default_unlock":"30m0s","enabled":true,"fail_mode":"open","locked_down":false,"max_unlock":"24h0m0s","name":"Mail","unenrolled":"deny"}', '7475f6d2f08e3bfaa7698e0ed902682217dd10f94c89058a9955c3ae3cd0eb24', '741a6cc80d20e8b1aa8ff503d78146ed69bd65bdda129d93c5ec64fbb583ba66');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 3, 1796009247369257936, 'cli:root', 'application.updated', 'application:01a22a7e-40cf-771d-8233-6ab2fcb5ae42', '{"default_unlock":"15m0s","enabled":true,"fail_mode":"closed","locked_down":false,"max_unlock":"24h0m0s","name":"Intranet","unenrolled":"allow"}', '9cecc839f0efef8ccb177f8424a34588852372fe69b6e0de4597f5e0095c3fa5', '8ea7012308386bda7b38d17ec4f45e623c5d41043698702afc1a8dadd20a0958');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 7, 1796009247575210130, 'cli:root', 'key.created', 'key:k_8fefd4d4fa942f49', '{"algorithm":"HS256","application":"https://wiki.acme.test","kid":"k_8fefd4d4fa942f49"}', '741a6cc80d20e8b1aa8ff503d78146ed69bd65bdda129d93c5ec64fbb583ba66', 'a9fd6cd6352c4d580f85ec119c643817b8ff4c5143bb426790c345c84d321416');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 8, 1796009247819758699, 'cli:root', 'key.created', 'key:k_efefeb04fde06763', '{"algorithm":"HS256","application":"https://mail.acme.test","expires":"2036-11-27T03:27:27.811837341Z","kid":"k_efefeb04fde06763"}', 'a9fd6cd6352c4d580f85ec119c643817b8ff4c5143bb426790c345c84d321416', '273fbb6d002382c9d705bb49285bf23d2987e107b6af19ace098b20f752fafde');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 9, 1796009248126994270, 'cli:root', 'key.created', 'key:k_8c11d0bc2a1ffcf3', '{"algorithm":"ES256","application":"https://mail.acme.test","kid":"k_8c11d0bc2a1ffcf3"}', '273fbb6d002382c9d705bb49285bf23d2987e107b6af19ace098b20f752fafde', 'f848c8b490078b4845e77b5a69213c9ff729a90d59b295464ef681104bfa6365');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 4, 1796009248409114246, 'cli:root', 'key.created', 'key:k_9db6a74829066530', '{"algorithm":"HS256","application":"https://intranet.globex.test","kid":"k_9db6a74829066530"}', '8ea7012308386bda7b38d17ec4f45e623c5d41043698702afc1a8dadd20a0958', '1eb630b9b37862597ee27df358bca778333d76e096b5e30609b3f36bed93e592');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 5, 1796009249519844002, 'cli:root', 'key.revoked', 'key:k_9db6a74829066530', '{"kid":"k_9db6a74829066530"}', '1eb630b9b37862597ee27df358bca778333d76e096b5e30609b3f36bed93e592', '39b801766e6f67f9e114e3177a9610613c4ed946030c6d5f8ee5a85297b3bad1');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 6, 1796009249720413283, 'cli:root', 'key.created', 'key:k_a9e1e7ac5c484357', '{"algorithm":"HS256","application":"https://intranet.globex.test","kid":"k_a9e1e7ac5c484357"}', '39b801766e6f67f9e114e3177a9610613c4ed946030c6d5f8ee5a85297b3bad1', '9e01689cfe905d3b771340c4cb66a43d7cf77f2214b79a4d10ae52f02a0c2128');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 10, 1796009251615837756, 'cli:root', 'member.created', 'member:01a22a7e-5321-7dd5-855b-e2783f8dd3e2', '{"email":"admin@acme.test","role":"admin"}', 'f848c8b490078b4845e77b5a69213c9ff729a90d59b295464ef681104bfa6365', '046fbd488cd1d67e717d1b1cbf38fd177957946739af788cbff837af4b16baf4');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 11, 1796009251615837756, 'cli:root', 'member.invited', 'member:01a22a7e-5321-7dd5-855b-e2783f8dd3e2', '{"email":"admin@acme.test","expires":"2026-12-03T03:27:31.615837756Z"}', '046fbd488cd1d67e717d1b1cbf38fd177957946739af788cbff837af4b16baf4', '68c7b8bc0c89a488dd8faebb0b9abb0d9b306b21000baef34e286980b0635a51');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 12, 1796009251833905184, 'cli:root', 'member.created', 'member:01a22a7e-53fc-718f-ba3e-a25ca4d3f25c', '{"email":"approver@acme.test","role":"approver"}', '68c7b8bc0c89a488dd8faebb0b9abb0d9b306b21000baef34e286980b0635a51', 'cf4c83fd56f51c159f3beaaf61feb58d917a0eaadbc3e7eec3802fceaeb4ffd1');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 13, 1796009251833905184, 'cli:root', 'member.invited', 'member:01a22a7e-53fc-718f-ba3e-a25ca4d3f25c', '{"email":"approver@acme.test","expires":"2026-12-03T03:27:31.833905184Z"}', 'cf4c83fd56f51c159f3beaaf61feb58d917a0eaadbc3e7eec3802fceaeb4ffd1', 'a6b9b30464df036a42fb060272adfb1457925aa120b7fb61ace042659c38e5da');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 14, 1796009252200537928, 'cli:root', 'member.created', 'member:01a22a7e-556b-7eb3-bd22-a5986d8721e7', '{"email":"mallory@acme.test","role":"member"}', 'a6b9b30464df036a42fb060272adfb1457925aa120b7fb61ace042659c38e5da', 'fbf31e0b6c20e89b09df3909d93e79403d73ee2f2c85d62a8a7c99aafecd4465');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 15, 1796009252200537928, 'cli:root', 'member.invited', 'member:01a22a7e-556b-7eb3-bd22-a5986d8721e7', '{"email":"mallory@acme.test","expires":"2026-12-03T03:27:32.200537928Z"}', 'fbf31e0b6c20e89b09df3909d93e79403d73ee2f2c85d62a8a7c99aafecd4465', '5417242e21b67fa7fb51a3db8a495ea10a8d079b030f0f2f1fe73b17ca450991');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 16, 1796009252433394071, 'cli:root', 'member.role_changed', 'member:01a22a7e-53fc-718f-ba3e-a25ca4d3f25c', '{"email":"approver@acme.test","from":"approver","to":"admin"}', '5417242e21b67fa7fb51a3db8a495ea10a8d079b030f0f2f1fe73b17ca450991', '6ff31c525eaff97db0a9353f5bdc955c0250b73400eb28e7e3e0780e365b0005');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 7, 1796009252709432710, 'cli:root', 'member.created', 'member:01a22a7e-5768-70b2-a948-ca792a2e985b', '{"email":"boss@globex.test","role":"owner"}', '9e01689cfe905d3b771340c4cb66a43d7cf77f2214b79a4d10ae52f02a0c2128', '442565101bf9dcd49c2181b1b8b41aea8000a5fac08bd456dea1cf16e9a61f9a');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 8, 1796009252709432710, 'cli:root', 'member.invited', 'member:01a22a7e-5768-70b2-a948-ca792a2e985b', '{"email":"boss@globex.test","expires":"2026-12-03T03:27:32.70943271Z"}', '442565101bf9dcd49c2181b1b8b41aea8000a5fac08bd456dea1cf16e9a61f9a', '113f4b7fe0e893c805fb906ee4e02038acb90913169d172862db794df9912757');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 17, 1796009253043637073, 'cli:root', 'webhook.created', 'webhook:01a22a7e-58b3-79b3-ab5d-c5fec25b2731', '{"events":["account.locked","account.unlocked"],"url":"https://hooks.acme.test/deadbolt"}', '6ff31c525eaff97db0a9353f5bdc955c0250b73400eb28e7e3e0780e365b0005', '7257f544e25cd145cabf14f89308de37640d6b6d0f2ad635ba7d61ac4dfc8266');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 9, 1796009253301911298, 'cli:root', 'webhook.created', 'webhook:01a22a7e-59b5-7de0-b620-4c765939e8a3', '{"events":[],"url":"https://hooks.globex.test/in"}', '113f4b7fe0e893c805fb906ee4e02038acb90913169d172862db794df9912757', '70a969221e671a3d5d9f6f0c4bc4ba09ea56c8edc2f682d0e5c00de7e7bcc69f');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 18, 1796009253573994618, 'cli:root', 'member.created', 'member:01a22a7e-5ac9-799a-b154-ec8086baf61f', '{"email":"alice@acme.test","role":"member"}', '7257f544e25cd145cabf14f89308de37640d6b6d0f2ad635ba7d61ac4dfc8266', 'f9109db61ccb896e5710bacc82e341953b180f805be257b0e3413106128032eb');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 19, 1796009253573994618, 'cli:root', 'account.enrolled', 'account:01a22a7e-5ad9-76fc-8666-f4bdbc864b93', '{"account":"alice","application":"https://wiki.acme.test","owner":"01a22a7e-5ac9-799a-b154-ec8086baf61f"}', 'f9109db61ccb896e5710bacc82e341953b180f805be257b0e3413106128032eb', '678a084b7b40f94edc45351cfdec3fd0bf63da800e8d9d96d2d70e38482b8827');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 20, 1796009253883327933, 'cli:root', 'member.created', 'member:01a22a7e-5bff-71f7-98e0-549e7dc949b8', '{"email":"bob@acme.test","role":"member"}', '678a084b7b40f94edc45351cfdec3fd0bf63da800e8d9d96d2d70e38482b8827', '884156ee88696444f491c5162bc183ca5629a5e5ab3043b2ced7cf1953859d1b');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 21, 1796009253883327933, 'cli:root', 'account.enrolled', 'account:01a22a7e-5c19-72d6-909a-3c4c62fbc2bf', '{"account":"bob","application":"https://wiki.acme.test","owner":"01a22a7e-5bff-71f7-98e0-549e7dc949b8"}', '884156ee88696444f491c5162bc183ca5629a5e5ab3043b2ced7cf1953859d1b', '90ed8bb3680724f951542bc9fea95c9ebd4d1d132895d7566298057fa09246b8');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 22, 1796009254167810918, 'cli:root', 'member.created', 'member:01a22a7e-5d1d-7781-b129-403a5722b23b', '{"email":"carol@acme.test","role":"member"}', '90ed8bb3680724f951542bc9fea95c9ebd4d1d132895d7566298057fa09246b8', 'c06798b4b2813dba45effde6cda1a3713e7a745c3d6a0b115f41af2f5f5b6688');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 23, 1796009254167810918, 'cli:root', 'account.enrolled', 'account:01a22a7e-5d22-7940-a22a-68c36b5056f4', '{"account":"carol","application":"https://wiki.acme.test","owner":"01a22a7e-5d1d-7781-b129-403a5722b23b"}', 'c06798b4b2813dba45effde6cda1a3713e7a745c3d6a0b115f41af2f5f5b6688', '0fa92ed3cb07b72d636c9a43cd5a9047e368af269398c8d7305ba2c407057439');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 24, 1796009254472713617, 'cli:root', 'member.created', 'member:01a22a7e-5e4e-7e00-b89a-7029bc4a3c94', '{"email":"dave@acme.test","role":"member"}', '0fa92ed3cb07b72d636c9a43cd5a9047e368af269398c8d7305ba2c407057439', '6a59a7efc356b1e19ac2da4397af4c780853b9d3c9a19129482623d2a38c6b7f');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 25, 1796009254472713617, 'cli:root', 'account.enrolled', 'account:01a22a7e-5e55-7152-a330-2fe722dc7be1', '{"account":"dave","application":"https://wiki.acme.test","owner":"01a22a7e-5e4e-7e00-b89a-7029bc4a3c94"}', '6a59a7efc356b1e19ac2da4397af4c780853b9d3c9a19129482623d2a38c6b7f', '123950a2f10ac0ec26e862a17cbc0771af535b24237cee73b65cfa37c194a95f');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 26, 1796009254829018200, 'cli:root', 'account.enrolled', 'account:01a22a7e-5fb0-760f-b1f4-d1d6ec46e0d4', '{"account":"erin","application":"https://wiki.acme.test","owner":"01a22a7e-556b-7eb3-bd22-a5986d8721e7"}', '123950a2f10ac0ec26e862a17cbc0771af535b24237cee73b65cfa37c194a95f', '1e2d5dc038ebc66a543428507c0ab83ed79d032a40191f8d4ee5757fbfcb8f97');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 27, 1796009255096268276, 'cli:root', 'account.enrolled', 'account:01a22a7e-60bb-793b-842f-9caf70cf1a1b', '{"account":"alice","application":"https://mail.acme.test","owner":"01a22a7e-5ac9-799a-b154-ec8086baf61f"}', '1e2d5dc038ebc66a543428507c0ab83ed79d032a40191f8d4ee5757fbfcb8f97', '427575bbb22926d0085863a4767bc432734b7ace9d388551bec23c7ec67d11f8');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 10, 1796009255281396816, 'cli:root', 'accounts.imported', 'application:01a22a7e-40cf-771d-8233-6ab2fcb5ae42', '{"already_enrolled":0,"application":"https://intranet.globex.test","enrolled":3,"file_sha256":"15be6af7031736a0691f4b4bc3cf4abac368b85f733de63aa4a4b46c8c791e15","members_created":1,"skipped_bad_rows":0,"unlocked":1}', '70a969221e671a3d5d9f6f0c4bc4ba09ea56c8edc2f682d0e5c00de7e7bcc69f', 'f288fd78d7bff989bb352ad6df0992caf2199804cbf76919528994ad5fd02cc4');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 28, 1796009255502002598, 'cli:root', 'account.unlocked', 'account:01a22a7e-5ad9-76fc-8666-f4bdbc864b93', '{"account":"alice","application":"https://wiki.acme.test","grant":"01a22a7e-624e-72b1-8337-27811aaae526","once":false,"reason":"on call this year","until":"2027-10-29T11:27:35.502002598Z"}', '427575bbb22926d0085863a4767bc432734b7ace9d388551bec23c7ec67d11f8', 'cd915d0c37396752670fb48e0be4c59e8af446922384220ca6607c0ad0de832c');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 29, 1796009255705863241, 'cli:root', 'account.unlocked', 'account:01a22a7e-5c19-72d6-909a-3c4c62fbc2bf', '{"account":"bob","application":"https://wiki.acme.test","grant":"01a22a7e-631a-70cc-b754-2b8459eb6c4d","once":false,"reason":"","until":"2026-11-30T03:28:35.705863241Z"}', 'cd915d0c37396752670fb48e0be4c59e8af446922384220ca6607c0ad0de832c', 'acdd1ab773f9c110a253600314337aeceedae30be8523a4e96c8e91713f86da0');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 30, 1796009255940597688, 'cli:root', 'account.locked', 'account:01a22a7e-5c19-72d6-909a-3c4c62fbc2bf', '{"account":"bob","application":"https://wiki.acme.test"}', 'acdd1ab773f9c110a253600314337aeceedae30be8523a4e96c8e91713f86da0', 'bcfa3f408b1b4fab45389e49413fe013f79564f4471d215fe63161ffbfa43f0b');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 31, 1796009256165166745, 'cli:root', 'account.unlocked', 'account:01a22a7e-5d22-7940-a22a-68c36b5056f4', '{"account":"carol","application":"https://wiki.acme.test","grant":"01a22a7e-64e5-7467-8342-cb2be257aec0","once":true,"reason":"","until":"2026-11-30T03:42:36.165166745Z"}', 'bcfa3f408b1b4fab45389e49413fe013f79564f4471d215fe63161ffbfa43f0b', '858f45dbae6a77d81dbf4d05f4eecec1cbe7082a242af898215d407b5bff6d8c');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 32, 1796009256391774511, 'cli:root', 'account.unlocked', 'account:01a22a7e-5e55-7152-a330-2fe722dc7be1', '{"account":"dave","application":"https://wiki.acme.test","grant":"01a22a7e-65c7-7ed4-a35f-28c24a891477","once":true,"reason":"","until":"2026-11-30T03:42:36.391774511Z"}', '858f45dbae6a77d81dbf4d05f4eecec1cbe7082a242af898215d407b5bff6d8c', 'e53b7e481f30c004baadb2b35f46a0de1ef99d070ab67a3c602e3d03268ff7e9');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 33, 1796009256630020130, 'cli:root', 'account.unlocked', 'account:01a22a7e-60bb-793b-842f-9caf70cf1a1b', '{"account":"alice","application":"https://mail.acme.test","grant":"01a22a7e-66b6-71c9-9bc4-6a16750ae4a7","once":false,"reason":"","until":"2026-11-30T03:57:36.63002013Z"}', 'e53b7e481f30c004baadb2b35f46a0de1ef99d070ab67a3c602e3d03268ff7e9', '63f15aa8685147dbe62752b0b94565c4f130aaced85d5341530e59920c397c66');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 34, 1796009256824779002, 'cli:root', 'member.locked_down', 'member:01a22a7e-556b-7eb3-bd22-a5986d8721e7', '{"grants_revoked":0}', '63f15aa8685147dbe62752b0b94565c4f130aaced85d5341530e59920c397c66', 'ff536fc585f342cacbb220e05d9f4af72a3580ee7b0b0de92a06c3d0571176f5');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 11, 1796009257045813531, 'cli:root', 'member.lock_everything', 'member:01a22a7e-6177-7048-8387-23dd14a35d18', '{"grants_revoked":1}', 'f288fd78d7bff989bb352ad6df0992caf2199804cbf76919528994ad5fd02cc4', '5e29eb612df3712d4c6b13c5d0ee5488282b3bfa6d61e971101f3a64daaf0178');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 35, 1796009257374455358, 'system:serve', 'member.invited', 'member:01a22a7e-3d72-7c3c-a2c3-541f77e059f7', '{"email":"owner@acme.test","expires":"2026-12-03T03:27:37.374455358Z"}', 'ff536fc585f342cacbb220e05d9f4af72a3580ee7b0b0de92a06c3d0571176f5', '719ad8c3a589a277c0d59fb2278c21389296f01a344e3d9d0f8f7073c8697508');
INSERT INTO public.audit_log VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 12, 1796009257384263527, 'system:serve', 'member.invited', 'member:01a22a7e-5768-70b2-a948-ca792a2e985b', '{"email":"boss@globex.test","expires":"2026-12-03T03:27:37.384263527Z"}', '5e29eb612df3712d4c6b13c5d0ee5488282b3bfa6d61e971101f3a64daaf0178', 'bc2de37285d4b35cd63824c967b1d91d3242422b266954cf6bd146e29de02951');
INSERT INTO public.audit_log VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 36, 1796009257908967582, 'system:lock-check', 'grant.consumed', 'account:01a22a7e-5d22-7940-a22a-68c36b5056f4', '{"account":"carol","application":"https://wiki.acme.test","grant":"01a22a7e-64e5-7467-8342-cb2be257aec0"}', '719ad8c3a589a277c0d59fb2278c21389296f01a344e3d9d0f8f7073c8697508', 'd9bdaeabea56a0687fb02483e390670b7f23640a57a95a2395576304d7b16c4d');


--
-- Data for Name: check_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6abe-764b-a950-f7587121dae5', 1, '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'k_8fefd4d4fa942f49', 'alice', 1796009257648677420, false, 'unlocked', '203.0.113.7', 'Firefox on Linux', 'Lyon, FR', 'nl3');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6b4a-7137-b12f-1458660ac8c2', 2, '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'k_8fefd4d4fa942f49', 'bob', 1796009257799367643, true, 'locked', '198.51.100.20', 'curl/7.88.1', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6bc6-707b-9dcb-259705844c60', 3, '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'k_8fefd4d4fa942f49', 'carol', 1796009257908967582, false, 'unlocked', '2001:db8::1', 'curl/7.88.1', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6c26-7cae-939a-0b7f99ce9e65', 4, '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'k_8fefd4d4fa942f49', 'carol', 1796009258020763203, true, 'locked', '2001:db8::1', 'curl/7.88.1', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6cb3-7e2a-8541-cd1c9378c1cd', 5, '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'k_8fefd4d4fa942f49', 'dave', 1796009258161981668, false, 'unlocked', '127.0.0.1', 'curl/7.88.1', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6d46-76f3-b15e-edf23de71753', 6, '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'k_8fefd4d4fa942f49', 'erin', 1796009258309246383, true, 'lockdown', '127.0.0.1', 'curl/7.88.1', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6ddd-79e3-8fef-047c1932c498', 7, '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', 'k_8fefd4d4fa942f49', 'zoe', 1796009258453691537, false, 'not_enrolled', '127.0.0.1', 'curl', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6e67-7f08-9fc2-acb8d42695b8', 8, '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', 'k_a9e1e7ac5c484357', 'frank', 1796009258596232326, true, 'locked', '127.0.0.1', 'curl/7.88.1', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6ef9-7692-b4ee-e6906e4e5e41', 9, '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', 'k_a9e1e7ac5c484357', 'heidi', 1796009258740973244, true, 'locked', '127.0.0.1', 'curl/7.88.1', '', '');
INSERT INTO public.check_log OVERRIDING SYSTEM VALUE VALUES ('01a22a7e-6f5d-793b-9228-a14226ed1b14', 10, '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', 'k_a9e1e7ac5c484357', 'nobody', 1796009258844761061, false, 'not_enrolled', '127.0.0.1', 'curl/7.88.1', 'Zürich, CH', '');


--
-- Data for Name: grants; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.grants VALUES ('01a22a7e-624e-72b1-8337-27811aaae526', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-5ad9-76fc-8666-f4bdbc864b93', 1824809255502002598, false, 'on call this year', 'cli:root', 1796009255502002598, 0, 0, 0);
INSERT INTO public.grants VALUES ('01a22a7e-631a-70cc-b754-2b8459eb6c4d', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-5c19-72d6-909a-3c4c62fbc2bf', 1796009315705863241, false, '', 'cli:root', 1796009255705863241, 0, 1796009255940597688, 0);
INSERT INTO public.grants VALUES ('01a22a7e-65c7-7ed4-a35f-28c24a891477', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-5e55-7152-a330-2fe722dc7be1', 1796010156391774511, true, '', 'cli:root', 1796009256391774511, 0, 0, 0);
INSERT INTO public.grants VALUES ('01a22a7e-66b6-71c9-9bc4-6a16750ae4a7', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-60bb-793b-842f-9caf70cf1a1b', 1796011056630020130, false, '', 'cli:root', 1796009256630020130, 0, 0, 0);
INSERT INTO public.grants VALUES ('01a22a7e-617d-73f1-99b5-7ac7195da02d', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-6175-7953-a467-603d1d307019', 1796095655281396816, false, 'imported as unlocked', 'cli:root', 1796009255281396816, 0, 1796009257045813531, 0);
INSERT INTO public.grants VALUES ('01a22a7e-64e5-7467-8342-cb2be257aec0', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-5d22-7940-a22a-68c36b5056f4', 1796010156165166745, true, '', 'cli:root', 1796009256165166745, 1796009257908967582, 0, 0);


--
-- Data for Name: invites; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.invites VALUES ('4b31bea40f5a5c63d41654b1bde9397237524273935ff36914c324c845e4d238', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3d72-7c3c-a2c3-541f77e059f7', 'cli:root', 1796009246057126209, 1796268446057126209, 0);
INSERT INTO public.invites VALUES ('93f0fe4e0727af62c3ec3bc9619ac27b49795d8dc1e2e2831702b439755e0b49', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-5321-7dd5-855b-e2783f8dd3e2', 'cli:root', 1796009251615837756, 1796268451615837756, 0);
INSERT INTO public.invites VALUES ('32a8b0cc8e2bb0cc34217a6995001bf7802490beca5097982b29f3b30f067333', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-556b-7eb3-bd22-a5986d8721e7', 'cli:root', 1796009252200537928, 1796268452200537928, 0);
INSERT INTO public.invites VALUES ('3684916f51a629f1ee505991b857f6b2eb385adfeb9c00bced61091f19355cf5', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-5768-70b2-a948-ca792a2e985b', 'cli:root', 1796009252709432710, 1796268452709432710, 0);
INSERT INTO public.invites VALUES ('8bef469522a731aa500bfa003bd59a1bf95653b96eb53fdaddf0ce63ba5f43a2', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-3d72-7c3c-a2c3-541f77e059f7', 'system:serve', 1796009257374455358, 1796268457374455358, 0);
INSERT INTO public.invites VALUES ('d3593e9e299d7ac5f6bfebd17d1c2357e8df6b90b26cb3a9d8ba82d542c031f2', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-5768-70b2-a948-ca792a2e985b', 'system:serve', 1796009257384263527, 1796268457384263527, 0);


--
-- Data for Name: leases; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.leases VALUES ('request-expiry', 'node-efc7878ecc2e', 1796009258855543902);
INSERT INTO public.leases VALUES ('expiry', 'node-efc7878ecc2e', 1796009258855525026);
INSERT INTO public.leases VALUES ('portal-cleanup', 'node-efc7878ecc2e', 1796009258855363959);
INSERT INTO public.leases VALUES ('outbox', 'node-efc7878ecc2e', 1796009258855461755);


--
-- Data for Name: master_key; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.master_key VALUES (1, '49729445941b4127b7bae3a0ab3dad77f78d204912d0220872697c79aa962096');


--
-- Data for Name: members; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.members VALUES ('01a22a7e-3d72-7c3c-a2c3-541f77e059f7', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'owner@acme.test', 'Olive Owner', 'owner', false, false, 1796009246057126209, 1796009246057126209, NULL, 1796009246057126209);
INSERT INTO public.members VALUES ('01a22a7e-5321-7dd5-855b-e2783f8dd3e2', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'admin@acme.test', '', 'admin', false, false, 1796009251615837756, 1796009251615837756, NULL, 1796009251615837756);
INSERT INTO public.members VALUES ('01a22a7e-53fc-718f-ba3e-a25ca4d3f25c', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'approver@acme.test', '', 'admin', false, false, 1796009251833905184, 1796009252433394071, NULL, 1796009251833905184);
INSERT INTO public.members VALUES ('01a22a7e-5768-70b2-a948-ca792a2e985b', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 'boss@globex.test', '', 'owner', false, false, 1796009252709432710, 1796009252709432710, NULL, 1796009252709432710);
INSERT INTO public.members VALUES ('01a22a7e-5ac9-799a-b154-ec8086baf61f', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'alice@acme.test', '', 'member', false, false, 1796009253573994618, 1796009253573994618, NULL, 1796009253573994618);
INSERT INTO public.members VALUES ('01a22a7e-5bff-71f7-98e0-549e7dc949b8', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'bob@acme.test', '', 'member', false, false, 1796009253883327933, 1796009253883327933, NULL, 1796009253883327933);
INSERT INTO public.members VALUES ('01a22a7e-5d1d-7781-b129-403a5722b23b', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'carol@acme.test', '', 'member', false, false, 1796009254167810918, 1796009254167810918, NULL, 1796009254167810918);
INSERT INTO public.members VALUES ('01a22a7e-5e4e-7e00-b89a-7029bc4a3c94', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'dave@acme.test', '', 'member', false, false, 1796009254472713617, 1796009254472713617, NULL, 1796009254472713617);
INSERT INTO public.members VALUES ('01a22a7e-556b-7eb3-bd22-a5986d8721e7', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'mallory@acme.test', '', 'member', false, true, 1796009252200537928, 1796009256824779002, NULL, 1796009252200537928);
INSERT INTO public.members VALUES ('01a22a7e-6177-7048-8387-23dd14a35d18', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 'grace@globex.test', '', 'member', true, false, 1796009255281396816, 1796009257045813531, NULL, 1796009255281396816);


--
-- Data for Name: nonces; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.outbox VALUES ('01a22a7e-625b-70bb-98db-797cd19dd61a', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.unlocked', '\x7b226964223a2230316132326137652d363235612d376564632d616666342d666662393465373832356639222c2274797065223a226163636f756e742e756e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33352e3530323030323539385a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f77696b692e61636d652e74657374222c226163636f756e74223a22616c696365222c226c6f636b6564223a66616c73652c22756e74696c223a22323032372d31302d32395431313a32373a33352e3530323030323539385a227d7d', 1796009255502002598, 1, 1796009262552714318, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-6321-7d2f-b260-541d499d122a', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.unlocked', '\x7b226964223a2230316132326137652d363332312d376135612d623063642d336236666666643438386565222c2274797065223a226163636f756e742e756e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33352e3730353836333234315a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f77696b692e61636d652e74657374222c226163636f756e74223a22626f62222c226c6f636b6564223a66616c73652c22756e74696c223a22323032362d31312d33305430333a32383a33352e3730353836333234315a227d7d', 1796009255705863241, 1, 1796009262556312926, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-6414-72fe-ba51-2d5bf9583021', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.locked', '\x7b226964223a2230316132326137652d363431342d373162302d386432652d613461323661326461663331222c2274797065223a226163636f756e742e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33352e3934303539373638385a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f77696b692e61636d652e74657374222c226163636f756e74223a22626f62222c226c6f636b6564223a747275657d7d', 1796009255940597688, 1, 1796009262562049544, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-64ed-7391-ae68-270b1606060e', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.unlocked', '\x7b226964223a2230316132326137652d363465642d373162622d623936342d303339383834396134326238222c2274797065223a226163636f756e742e756e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33362e3136353136363734355a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f77696b692e61636d652e74657374222c226163636f756e74223a226361726f6c222c226c6f636b6564223a66616c73652c22756e74696c223a22323032362d31312d33305430333a34323a33362e3136353136363734355a227d7d', 1796009256165166745, 1, 1796009262565446118, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-65cf-7db1-84a8-61f88436094e', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.unlocked', '\x7b226964223a2230316132326137652d363563662d376231642d623132332d356262333631373964623138222c2274797065223a226163636f756e742e756e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33362e3339313737343531315a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f77696b692e61636d652e74657374222c226163636f756e74223a2264617665222c226c6f636b6564223a66616c73652c22756e74696c223a22323032362d31312d33305430333a34323a33362e3339313737343531315a227d7d', 1796009256391774511, 1, 1796009262569106043, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-66c3-79f0-809f-7bb81244e44c', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.unlocked', '\x7b226964223a2230316132326137652d363663332d373832352d626461342d346234326533373533306636222c2274797065223a226163636f756e742e756e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33362e36333030323031335a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f6d61696c2e61636d652e74657374222c226163636f756e74223a22616c696365222c226c6f636b6564223a66616c73652c22756e74696c223a22323032362d31312d33305430333a35373a33362e36333030323031335a227d7d', 1796009256630020130, 1, 1796009262572821323, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-6780-7447-ace8-a97237ecca35', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.locked', '\x7b226964223a2230316132326137652d363738302d373231372d393432622d373633306561313334383138222c2274797065223a226163636f756e742e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33362e3832343737393030325a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f77696b692e61636d652e74657374222c226163636f756e74223a226572696e222c226c6f636b6564223a747275657d7d', 1796009256824779002, 1, 1796009262576488382, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-685d-78ea-b2ad-94f3eb23eac1', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', '01a22a7e-59b5-7de0-b620-4c765939e8a3', 'account.locked', '\x7b226964223a2230316132326137652d363835642d373739372d393265322d313065623066666436633734222c2274797065223a226163636f756e742e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33372e3034353831333533315a222c2274656e616e74223a22676c6f626578222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f696e7472616e65742e676c6f6265782e74657374222c226163636f756e74223a226772616365222c226c6f636b6564223a747275657d7d', 1796009257045813531, 1, 1796009262583416144, 0, 0, 'name lookup failed', 'webhook', NULL);
INSERT INTO public.outbox VALUES ('01a22a7e-6bbb-7208-b08d-03e76ae022e0', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', '01a22a7e-58b3-79b3-ab5d-c5fec25b2731', 'account.locked', '\x7b226964223a2230316132326137652d366262622d373131342d396664632d303238386363663639636531222c2274797065223a226163636f756e742e6c6f636b6564222c226174223a22323032362d31312d33305430333a32373a33372e3930383936373538325a222c2274656e616e74223a2261636d65222c2264617461223a7b226170706c69636174696f6e223a2268747470733a2f2f77696b692e61636d652e74657374222c226163636f756e74223a226361726f6c222c226c6f636b6564223a747275657d7d', 1796009257908967582, 0, 1796009257908967582, 0, 0, '', 'webhook', NULL);


--
-- Data for Name: passkeys; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: push_subscriptions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_version VALUES (1, '0001_init.sql', '2026-11-30 03:27:25.732418+00');
INSERT INTO public.schema_version VALUES (2, '0002_outbox.sql', '2026-11-30 03:27:25.868126+00');
INSERT INTO public.schema_version VALUES (3, '0003_portal.sql', '2026-11-30 03:27:25.912804+00');
INSERT INTO public.schema_version VALUES (4, '0004_push.sql', '2026-11-30 03:27:25.984974+00');
INSERT INTO public.schema_version VALUES (5, '0005_outbox_channels.sql', '2026-11-30 03:27:25.998658+00');
INSERT INTO public.schema_version VALUES (6, '0006_email_verified.sql', '2026-11-30 03:27:26.028853+00');
INSERT INTO public.schema_version VALUES (7, '0007_server_names_accounts.sql', '2026-11-30 03:27:26.035296+00');
INSERT INTO public.schema_version VALUES (8, '0008_master_key.sql', '2026-11-30 03:27:26.043262+00');


--
-- Data for Name: sessions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: signing_keys; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.signing_keys VALUES ('k_efefeb04fde06763', '01a22a7e-3ff2-7031-81cf-5a2933e33b9a', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'HS256', '\x018a36d8ef181a7716851b2551bfd7ff4565615685490ec58de55155a6e182a8c46fa36dbf21928569b6abc5fb1d9c3a82a46b49c44ad1c80daffd5b60', '\x', 1796009247819758699, 2111369247811837341, 0, 0);
INSERT INTO public.signing_keys VALUES ('k_8c11d0bc2a1ffcf3', '01a22a7e-3ff2-7031-81cf-5a2933e33b9a', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'ES256', '\x', '\x3059301306072a8648ce3d020106082a8648ce3d030107034200047e320150b8fd48867da571383d090edd6a058b544f8b1b997e6a36a6f7c5775eb006396db138f1bfbf9bc014d924eef5337d04f3e1e12a8e21a5e30b2f3f4566', 1796009248126994270, 0, 0, 0);
INSERT INTO public.signing_keys VALUES ('k_9db6a74829066530', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 'HS256', '\x01932706e76ca7ee148f9d9783c963505ae3c40b02035f3e2e5d73d3f7ade7684454b3c9b43cc29d8907f012ef8d569d400df98be5f0436509a6873708', '\x', 1796009248409114246, 0, 1796009249519844002, 0);
INSERT INTO public.signing_keys VALUES ('k_8fefd4d4fa942f49', '01a22a7e-3f40-7219-bdfb-5a80a7e06ecc', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'HS256', '\x01cb6610e2b61a4c97da4ea7173b01e0f4ffba79d9eb5208de3916d57261974b1511f29570f2a0f3ecee2617d1c951a246dc9882cd8eabd1ac4ff74c1c', '\x', 1796009247575210130, 0, 0, 1796009258453691537);
INSERT INTO public.signing_keys VALUES ('k_a9e1e7ac5c484357', '01a22a7e-40cf-771d-8233-6ab2fcb5ae42', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 'HS256', '\x010ddfd938fdb8e153a75d0e0e870ff917bb8a02a256f20942a41a1448c8d94396c52559db460a9558ce271ddc32d5ca3907330c1a8b086f48ca2e8f88', '\x', 1796009249720413283, 0, 0, 1796009258844761061);


--
-- Data for Name: tenants; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.tenants VALUES ('01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'acme', 1796009246057126209);
INSERT INTO public.tenants VALUES ('01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 'globex', 1796009246322507999);


--
-- Data for Name: unlock_requests; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: webhooks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhooks VALUES ('01a22a7e-58b3-79b3-ab5d-c5fec25b2731', '01a22a7e-3d69-778d-b8e9-130cbb7d1bbd', 'https://hooks.acme.test/deadbolt', '\x01c85d9a183cb42b36a9346d62f267e291ec6c6f3166b8c0e525c954ef4763146a909278978f1cbaeb2e63cea5c01ede8ef7f17565a8cff479f9499fd3563b2a0c80105f21861761cfd21ca7aa10', '{account.locked,account.unlocked}', 1796009253043637073);
INSERT INTO public.webhooks VALUES ('01a22a7e-59b5-7de0-b620-4c765939e8a3', '01a22a7e-3e72-79dd-94bd-f4c04507d0a8', 'https://hooks.globex.test/in', '\x01cf5829bff4e63d428641607d02cf962f6b807472d55277eb368e621a7a096a97d41e735da2d966f04b841c632277f8ff2c275f7a0ade21ec59483f2cba2bb38260efd742f0eb4a025368e1fed5', '{}', 1796009253301911298);


--
-- Name: check_log_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.check_log_seq_seq', 10, true);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);


--
-- Name: applications applications_id_tenant_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.applications
    ADD CONSTRAINT applications_id_tenant_id_key UNIQUE (id, tenant_id);


--
-- Name: applications applications_issuer_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.applications
    ADD CONSTRAINT applications_issuer_key UNIQUE (issuer);


--
-- Name: applications applications_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.applications
    ADD CONSTRAINT applications_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (tenant_id, seq);


--
-- Name: check_log check_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.check_log
    ADD CONSTRAINT check_log_pkey PRIMARY KEY (id);


--
-- Name: grants grants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.grants
    ADD CONSTRAINT grants_pkey PRIMARY KEY (id);


--
-- Name: invites invites_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invites
    ADD CONSTRAINT invites_pkey PRIMARY KEY (id);


--
-- Name: leases leases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leases
    ADD CONSTRAINT leases_pkey PRIMARY KEY (job);


--
-- Name: master_key master_key_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.master_key
    ADD CONSTRAINT master_key_pkey PRIMARY KEY (id);


--
-- Name: members members_id_tenant_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.members
    ADD CONSTRAINT members_id_tenant_id_key UNIQUE (id, tenant_id);


--
-- Name: members members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.members
    ADD CONSTRAINT members_pkey PRIMARY KEY (id);


--
-- Name: nonces nonces_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nonces
    ADD CONSTRAINT nonces_pkey PRIMARY KEY (key);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);


--
-- Name: passkeys passkeys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.passkeys
    ADD CONSTRAINT passkeys_pkey PRIMARY KEY (id);


--
-- Name: push_subscriptions push_subscriptions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_subscriptions
    ADD CONSTRAINT push_subscriptions_pkey PRIMARY KEY (id);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);


--
-- Name: signing_keys signing_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.signing_keys
    ADD CONSTRAINT signing_keys_pkey PRIMARY KEY (kid);


--
-- Name: tenants tenants_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_name_key UNIQUE (name);


--
-- Name: tenants tenants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);


--
-- Name: unlock_requests unlock_requests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unlock_requests
    ADD CONSTRAINT unlock_requests_pkey PRIMARY KEY (id);


--
-- Name: webhooks webhooks_id_tenant_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT webhooks_id_tenant_id_key UNIQUE (id, tenant_id);


--
-- Name: webhooks webhooks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT webhooks_pkey PRIMARY KEY (id);


--
-- Name: accounts_name; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX accounts_name ON public.accounts USING btree (app_id, name);


--
-- Name: accounts_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX accounts_owner ON public.accounts USING btree (owner_id, id) WHERE (owner_id IS NOT NULL);


--
-- Name: applications_tenant; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX applications_tenant ON public.applications USING btree (tenant_id, created_at, id);


--
-- Name: check_log_app_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX check_log_app_at ON public.check_log USING btree (app_id, at, seq);


--
-- Name: grants_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX grants_account ON public.grants USING btree (account_id, created_at);


--
-- Name: grants_ending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX grants_ending ON public.grants USING btree (until, id) WHERE ((revoked_at = 0) AND (consumed_at = 0) AND (end_announced_at = 0));


--
-- Name: members_email; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX members_email ON public.members USING btree (tenant_id, lower(email));


--
-- Name: members_tenant; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX members_tenant ON public.members USING btree (tenant_id, created_at, id);


--
-- Name: nonces_expires; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX nonces_expires ON public.nonces USING btree (expires_at);


--
-- Name: outbox_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_due ON public.outbox USING btree (next_attempt_at, created_at, id) WHERE ((delivered_at = 0) AND (failed_at = 0));


--
-- Name: outbox_tenant; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_tenant ON public.outbox USING btree (tenant_id, created_at, id);


--
-- Name: outbox_webhook; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_webhook ON public.outbox USING btree (webhook_id, created_at, id);


--
-- Name: passkeys_member; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX passkeys_member ON public.passkeys USING btree (member_id, created_at, id);


--
-- Name: push_subscriptions_member; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX push_subscriptions_member ON public.push_subscriptions USING btree (member_id, created_at, id);


--
-- Name: sessions_expires; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_expires ON public.sessions USING btree (expires_at);


--
-- Name: sessions_member; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_member ON public.sessions USING btree (member_id);


--
-- Name: sessions_seen; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_seen ON public.sessions USING btree (seen_at);


--
-- Name: signing_keys_app; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX signing_keys_app ON public.signing_keys USING btree (app_id, created_at, kid);


--
-- Name: tenants_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tenants_created ON public.tenants USING btree (created_at, id);


--
-- Name: unlock_requests_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX unlock_requests_account ON public.unlock_requests USING btree (account_id, updated_at);


--
-- Name: unlock_requests_expiring; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX unlock_requests_expiring ON public.unlock_requests USING btree (expires_at, id) WHERE (status = 'pending'::text);


--
-- Name: unlock_requests_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX unlock_requests_pending ON public.unlock_requests USING btree (account_id) WHERE (status = 'pending'::text);


--
-- Name: webhooks_tenant; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhooks_tenant ON public.webhooks USING btree (tenant_id, created_at, id);


--
-- Name: accounts accounts_app_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_app_id_tenant_id_fkey FOREIGN KEY (app_id, tenant_id) REFERENCES public.applications(id, tenant_id) DEFERRABLE;


--
-- Name: accounts accounts_current_grant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_current_grant_id_fkey FOREIGN KEY (current_grant_id) REFERENCES public.grants(id) DEFERRABLE;


--
-- Name: accounts accounts_owner_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_owner_id_tenant_id_fkey FOREIGN KEY (owner_id, tenant_id) REFERENCES public.members(id, tenant_id) DEFERRABLE;


--
-- Name: applications applications_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.applications
    ADD CONSTRAINT applications_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) DEFERRABLE;


--
-- Name: audit_log audit_log_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) DEFERRABLE;


--
-- Name: grants grants_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.grants
    ADD CONSTRAINT grants_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) DEFERRABLE;


--
-- Name: invites invites_member_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invites
    ADD CONSTRAINT invites_member_id_tenant_id_fkey FOREIGN KEY (member_id, tenant_id) REFERENCES public.members(id, tenant_id) DEFERRABLE;


--
-- Name: members members_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.members
    ADD CONSTRAINT members_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) DEFERRABLE;


--
-- Name: outbox outbox_member; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_member FOREIGN KEY (member_id, tenant_id) REFERENCES public.members(id, tenant_id) DEFERRABLE;


--
-- Name: outbox outbox_webhook_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_webhook_id_tenant_id_fkey FOREIGN KEY (webhook_id, tenant_id) REFERENCES public.webhooks(id, tenant_id) ON DELETE CASCADE DEFERRABLE;


--
-- Name: passkeys passkeys_member_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.passkeys
    ADD CONSTRAINT passkeys_member_id_tenant_id_fkey FOREIGN KEY (member_id, tenant_id) REFERENCES public.members(id, tenant_id) DEFERRABLE;


--
-- Name: push_subscriptions push_subscriptions_member_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_subscriptions
    ADD CONSTRAINT push_subscriptions_member_id_tenant_id_fkey FOREIGN KEY (member_id, tenant_id) REFERENCES public.members(id, tenant_id) DEFERRABLE;


--
-- Name: sessions sessions_member_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_member_id_tenant_id_fkey FOREIGN KEY (member_id, tenant_id) REFERENCES public.members(id, tenant_id) DEFERRABLE;


--
-- Name: signing_keys signing_keys_app_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.signing_keys
    ADD CONSTRAINT signing_keys_app_id_tenant_id_fkey FOREIGN KEY (app_id, tenant_id) REFERENCES public.applications(id, tenant_id) DEFERRABLE;


--
-- Name: unlock_requests unlock_requests_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unlock_requests
    ADD CONSTRAINT unlock_requests_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) DEFERRABLE;


--
-- Name: unlock_requests unlock_requests_app_id_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unlock_requests
    ADD CONSTRAINT unlock_requests_app_id_tenant_id_fkey FOREIGN KEY (app_id, tenant_id) REFERENCES public.applications(id, tenant_id) DEFERRABLE;


--
-- Name: webhooks webhooks_tenant_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT webhooks_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) DEFERRABLE;


--
-- PostgreSQL database dump complete
--


