import PostgresNIO

/// The control tables in schema `sluice`, as migrations that never change
/// once shipped: a new need is a new migration. Each migration is a list of
/// statements (PostgreSQL runs one statement per query with parameters).
///
/// The SQLite driver's tables grew over several migrations; PostgreSQL
/// starts from their final shape. Lease times are unix milliseconds there
/// and here, so that every call takes `now` and tests inject the clock.
enum PostgresMigrations {
    /// Serializes migrators: several workers may start at once on a new database.
    static let lockKey: Int64 = 0x51_7C_E0_01

    static let all: [(name: String, statements: [String])] = [
        ("2026-11-24 control tables", [
            """
            CREATE TABLE sluice.jobs (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                source TEXT NOT NULL,
                profile TEXT,
                target_table TEXT,
                mode TEXT NOT NULL CHECK (mode IN ('append', 'upsert', 'replace')),
                rows_read BIGINT NOT NULL DEFAULT 0,
                rows_imported BIGINT NOT NULL DEFAULT 0,
                rows_rejected BIGINT NOT NULL DEFAULT 0,
                bytes BIGINT NOT NULL DEFAULT 0,
                created_at TIMESTAMPTZ NOT NULL,
                started_at TIMESTAMPTZ,
                finished_at TIMESTAMPTZ,
                summary TEXT,
                error TEXT,
                request TEXT,
                storage_key TEXT,
                progress INTEGER NOT NULL DEFAULT 0,
                plan_basis TEXT,
                lease_owner TEXT,
                lease_expires_ms BIGINT
            )
            """,
            "CREATE INDEX jobs_by_status ON sluice.jobs (status, id)",
            """
            CREATE TABLE sluice.job_errors (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                job_id BIGINT NOT NULL REFERENCES sluice.jobs (id) ON DELETE CASCADE,
                line BIGINT NOT NULL,
                byte_offset BIGINT NOT NULL,
                column_name TEXT,
                value TEXT,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                original TEXT NOT NULL
            )
            """,
            "CREATE INDEX job_errors_by_job ON sluice.job_errors (job_id, line)",
            """
            CREATE TABLE sluice.chunks (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                job_id BIGINT NOT NULL REFERENCES sluice.jobs (id) ON DELETE CASCADE,
                chunk_index INTEGER NOT NULL,
                range_start BIGINT,
                range_end BIGINT,
                first_line BIGINT,
                bucket_path TEXT,
                status TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                attempts INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_expires_ms BIGINT,
                heartbeat_ms BIGINT,
                rows_read BIGINT NOT NULL DEFAULT 0,
                rows_imported BIGINT NOT NULL DEFAULT 0,
                rows_rejected BIGINT NOT NULL DEFAULT 0,
                rescue_count INTEGER NOT NULL DEFAULT 0,
                widened TEXT,
                error TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                started_at TIMESTAMPTZ,
                finished_at TIMESTAMPTZ,
                UNIQUE (job_id, chunk_index)
            )
            """,
            "CREATE INDEX chunks_by_status ON sluice.chunks (status, lease_expires_ms)",
        ]),
        // The foreign key checked every error row with a query of its own:
        // 4,995 rejects took 95 ms to COPY with it and 37 ms without, at the
        // end of an import. Deleting a job deletes its errors by hand instead.
        ("2026-11-25 job errors without a foreign key", [
            "ALTER TABLE sluice.job_errors DROP CONSTRAINT job_errors_job_id_fkey",
        ]),
        // `PostgresBlobStore`: a blob's row is written after its parts, in
        // the same transaction, so parts need no key pointing at it.
        ("2026-11-25 blobs", [
            """
            CREATE TABLE sluice.blobs (
                key TEXT PRIMARY KEY,
                size BIGINT NOT NULL,
                part_size INTEGER NOT NULL,
                sha256 BYTEA NOT NULL,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE sluice.blob_parts (
                key TEXT NOT NULL,
                part INTEGER NOT NULL,
                data BYTEA NOT NULL,
                sha256 BYTEA NOT NULL,
                PRIMARY KEY (key, part)
            )
            """,
            "ALTER TABLE sluice.blob_parts ALTER COLUMN data SET STORAGE EXTERNAL",
        ]),
        // A blob may be read while it is written (`PostgresBlobStore.put(_:from:size:readable:)`):
        // its row comes first, with no SHA-256 until the last part is in, and
        // `written_at` says when its writer last stored a part.
        ("2026-11-25 blobs read while written", [
            "ALTER TABLE sluice.blobs ALTER COLUMN sha256 DROP NOT NULL",
            "ALTER TABLE sluice.blobs ADD COLUMN written_at TIMESTAMPTZ",
        ]),
    ]

    /// Brings the schema up to date, in one transaction under an advisory lock.
    static func migrate(_ link: PostgresLink) throws {
        try link.transaction { link in
            try link.query("SELECT pg_advisory_xact_lock(\(lockKey))")
            try link.query("CREATE SCHEMA IF NOT EXISTS sluice")
            try link.query("CREATE TABLE IF NOT EXISTS sluice.migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let applied = Set(try link.query("SELECT name FROM sluice.migrations").rows.map { try $0.decode(String.self) })
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.statements { try link.query(PostgresQuery(unsafeSQL: statement)) }
                try link.query("INSERT INTO sluice.migrations (name) VALUES (\(migration.name))")
            }
        }
    }
}
