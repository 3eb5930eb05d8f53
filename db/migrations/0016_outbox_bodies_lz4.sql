-- PostgreSQL compresses a value of more than about 2 KB before it moves
-- it out of its row (TOAST), with pglz unless told otherwise. Every reply
-- is 6 to 8 KB, a series' reply more: pglz cost the server about 0.1 ms
-- per reply, lz4 about 0.02 ms (50 inserts of a 7.8 KB reply, 4.6-8.2
-- against 0.9-1.9 ms). lz4 exists since PostgreSQL 14, in servers built
-- with it (Debian's and the project's own packages are); elsewhere the
-- column keeps pglz. Values already stored keep their compression.
-- SQLite compresses nothing.
{{POSTGRES}} DO $$
BEGIN
	IF current_setting('server_version_num')::int >= 140000 THEN
		EXECUTE 'ALTER TABLE outbox_bodies ALTER COLUMN raw SET COMPRESSION lz4';
	END IF;
EXCEPTION WHEN feature_not_supported THEN
	NULL;
END
$$;
