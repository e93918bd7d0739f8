import GRDB

/// The control tables' schema, as migrations that never change once shipped:
/// a new need is a new migration.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-24 jobs and job errors") { db in
            try db.execute(sql: """
                CREATE TABLE sluice_jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                    source TEXT NOT NULL,
                    profile TEXT,
                    target_table TEXT,
                    mode TEXT NOT NULL CHECK (mode IN ('append', 'upsert', 'replace')),
                    rows_read INTEGER NOT NULL DEFAULT 0,
                    rows_imported INTEGER NOT NULL DEFAULT 0,
                    rows_rejected INTEGER NOT NULL DEFAULT 0,
                    bytes INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    finished_at TEXT,
                    summary TEXT,
                    error TEXT
                );
                CREATE INDEX sluice_jobs_by_status ON sluice_jobs (status, id);
                CREATE TABLE sluice_job_errors (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL REFERENCES sluice_jobs (id) ON DELETE CASCADE,
                    line INTEGER NOT NULL,
                    byte_offset INTEGER NOT NULL,
                    column_name TEXT,
                    value TEXT,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL,
                    original TEXT NOT NULL
                );
                CREATE INDEX sluice_job_errors_by_job ON sluice_job_errors (job_id, line);
                """)
        }
        migrator.registerMigration("2026-11-24 chunks") { db in
            // Times that leases are compared on are unix milliseconds.
            try db.execute(sql: """
                CREATE TABLE sluice_chunks (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL REFERENCES sluice_jobs (id) ON DELETE CASCADE,
                    chunk_index INTEGER NOT NULL,
                    range_start INTEGER,
                    range_end INTEGER,
                    first_line INTEGER,
                    bucket_path TEXT,
                    status TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_expires_ms INTEGER,
                    heartbeat_ms INTEGER,
                    rows_read INTEGER NOT NULL DEFAULT 0,
                    rows_imported INTEGER NOT NULL DEFAULT 0,
                    rows_rejected INTEGER NOT NULL DEFAULT 0,
                    rescue_count INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    finished_at TEXT,
                    UNIQUE (job_id, chunk_index)
                );
                CREATE INDEX sluice_chunks_by_status ON sluice_chunks (status, lease_expires_ms);
                """)
        }
        migrator.registerMigration("2026-11-24 background jobs") { db in
            try db.execute(sql: """
                ALTER TABLE sluice_jobs ADD COLUMN request TEXT;
                ALTER TABLE sluice_jobs ADD COLUMN storage_key TEXT;
                """)
        }
        migrator.registerMigration("2026-11-24 chunk workers") { db in
            // A job's lease covers its planning (chunks carry their own
            // leases after that); `plan_basis` is what every chunk's worker
            // rebuilds the plan from; `widened` is a chunk's wider types (JSON).
            try db.execute(sql: """
                ALTER TABLE sluice_jobs ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE sluice_jobs ADD COLUMN plan_basis TEXT;
                ALTER TABLE sluice_jobs ADD COLUMN lease_owner TEXT;
                ALTER TABLE sluice_jobs ADD COLUMN lease_expires_ms INTEGER;
                ALTER TABLE sluice_chunks ADD COLUMN widened TEXT;
                """)
        }
        migrator.registerMigration("2026-11-24 stage runs") { db in
            // Which stage rows each chunk wrote: one run of consecutive
            // rowids per batch (see `SQLiteChunkSession`).
            try db.execute(sql: """
                CREATE TABLE sluice_chunk_runs (
                    job_id INTEGER NOT NULL REFERENCES sluice_jobs (id) ON DELETE CASCADE,
                    chunk_index INTEGER NOT NULL,
                    first_rowid INTEGER NOT NULL,
                    last_rowid INTEGER NOT NULL,
                    PRIMARY KEY (job_id, chunk_index, first_rowid)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("2026-11-25 locks") { db in
            // Named locks as leases (see `SQLiteLockService`).
            try db.execute(sql: """
                CREATE TABLE sluice_locks (
                    name TEXT PRIMARY KEY,
                    owner TEXT NOT NULL,
                    expires_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
