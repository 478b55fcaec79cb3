import type { Migration } from './database';

/**
 * The server's schema, one migration per released change (never edit a released one; add the
 * next version). Version 1: projects and the instances each project has synced. Version 2: jobs. Version 3: API tokens.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'projects and synced instances',
    up: `
      CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      -- One row per instance a project's sync has processed: embedded, or failed with a reason
      -- (a corrupt file is recorded once, not retried at every sync). No pixel copies.
      CREATE TABLE instances (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        sop_uid TEXT NOT NULL,
        study_uid TEXT NOT NULL,
        series_uid TEXT NOT NULL,
        modality TEXT,
        body_part TEXT,
        study_date TEXT,
        study_description TEXT,
        status TEXT NOT NULL CHECK (status IN ('embedded', 'failed')),
        error TEXT,
        encoder TEXT,
        embedding BLOB,
        synced_at TEXT NOT NULL,
        PRIMARY KEY (project_id, sop_uid)
      );
    `,
  },
  {
    version: 2,
    name: 'jobs',
    up: `
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
        progress REAL NOT NULL DEFAULT 0,
        stage TEXT,
        error TEXT,
        result TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX jobs_state ON jobs (state, id);
    `,
  },
  {
    version: 3,
    name: 'api tokens',
    up: `
      -- Bearer tokens: only a SHA-256 of each is kept; the token itself is shown once.
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'annotator', 'service')),
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
    `,
  },
];
