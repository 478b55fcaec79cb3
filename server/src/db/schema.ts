import type { Migration } from './database';

/**
 * The server's schema, one migration per released change (never edit a released one; add the
 * next version). Version 1: projects and the instances each project has synced. Version 2: jobs. Version 3: API tokens. Version 4: rounds,
 * worklists, masks, the PACS outbox, the audit log and schedules. Version 5: where a folder source
 * found each instance (so rounds work right after a restart), and a failed job's full error
 * apart from what every role may read. Version 6: which worker runs a job and when it last said
 * so (several worker processes on one database; a job whose worker went silent is taken up again).
 * Version 7: artefacts as rows, for PostgresArtifactStore (unused on SQLite, whose artefacts are files).
 * Version 8: validation cases on the worklist (labelled, never trained on), each round model's
 * scores on them (the learning curve), and who asked for a job to be cancelled. Version 9: each
 * instance's geometry and its place in its series' volume, and the volumes a sync assembled.
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
  {
    version: 4,
    name: 'rounds, worklists, masks, outbox, audit, schedules',
    up: `
      ALTER TABLE projects ADD COLUMN last_scheduled_run TEXT;
      ALTER TABLE jobs ADD COLUMN payload TEXT;
      ALTER TABLE instances ADD COLUMN sop_class_uid TEXT;
      ALTER TABLE instances ADD COLUMN rows INTEGER;
      ALTER TABLE instances ADD COLUMN columns INTEGER;
      ALTER TABLE instances ADD COLUMN frames INTEGER;
      ALTER TABLE instances ADD COLUMN thumbnail BLOB;
      -- One row per selection round; number 0 is the cold start. The 2-D map of the whole pool
      -- (ids as JSON, x/y as float32 pairs) is kept for the viewer's embedding map.
      CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('coldstart', 'active')),
        job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        alpha REAL,
        report TEXT NOT NULL,
        map_ids TEXT NOT NULL,
        map BLOB NOT NULL,
        model_dir TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (project_id, number)
      );
      -- A case is selected at most once per project: the primary key makes a double selection
      -- (a bug or a replayed job) fail loudly instead of spending budget twice.
      CREATE TABLE worklist (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        sop_uid TEXT NOT NULL,
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        priority TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
        reason TEXT NOT NULL,
        cluster INTEGER,
        entropy REAL,
        diversity REAL,
        score REAL,
        x REAL NOT NULL,
        y REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'labelled')),
        claimed_by TEXT,
        lease_expires_at TEXT,
        labelled_at TEXT,
        PRIMARY KEY (project_id, sop_uid),
        FOREIGN KEY (project_id, sop_uid) REFERENCES instances(project_id, sop_uid)
      );
      CREATE INDEX worklist_round ON worklist (round_id, rank);
      -- The latest accepted mask of a case (files under the data directory; a resubmission
      -- replaces the row and is in the audit log).
      CREATE TABLE masks (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        sop_uid TEXT NOT NULL,
        round_id INTEGER REFERENCES rounds(id) ON DELETE SET NULL,
        format TEXT NOT NULL CHECK (format IN ('seg', 'png')),
        label_file TEXT NOT NULL,
        seg_file TEXT,
        seg_sop_uid TEXT,
        submitted_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (project_id, sop_uid)
      );
      -- What must reach the PACS (SEG and KO objects by STOW-RS, Orthanc metadata): retried
      -- with back-off until it succeeds, so a PACS outage delays but never loses it.
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        done_at TEXT
      );
      CREATE INDEX outbox_pending ON outbox (state, next_attempt_at);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        project_id INTEGER,
        details TEXT
      );
    `,
  },
  {
    version: 5,
    name: 'instance locations, job error details',
    up: `
      -- The file (relative to the folder source's root) an instance was read from; NULL for a PACS.
      ALTER TABLE instances ADD COLUMN location TEXT;
      -- The whole error of a failed job, for admins and the log; jobs.error is what any role may read.
      ALTER TABLE jobs ADD COLUMN error_detail TEXT;
    `,
  },
  {
    version: 6,
    name: 'job workers and heartbeats',
    up: `
      ALTER TABLE jobs ADD COLUMN worker TEXT;
      ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
      CREATE INDEX jobs_running ON jobs (state, heartbeat_at);
    `,
  },
  {
    version: 7,
    name: 'artifacts',
    up: `
      -- PostgresArtifactStore's values (BYTEA in PostgreSQL), by ArtifactStore key.
      CREATE TABLE artifacts (
        key TEXT PRIMARY KEY,
        bytes BLOB NOT NULL,
        size INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'validation sets, round metrics, job cancellation',
    up: `
      -- A validation case is labelled like any other but never trained on, never counted in the
      -- budget and never a selection candidate: each round's model is scored on these.
      ALTER TABLE worklist ADD COLUMN validation INTEGER NOT NULL DEFAULT 0;
      -- One row per round model: its scores on the labelled validation cases (JSON), and which
      -- cases those were (a key of their ids), so stale scores are recomputed when the set grows.
      CREATE TABLE round_metrics (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        round_number INTEGER NOT NULL,
        validation_key TEXT NOT NULL,
        cases INTEGER NOT NULL,
        labels_used INTEGER NOT NULL,
        metrics TEXT NOT NULL,
        evaluated_at TEXT NOT NULL,
        PRIMARY KEY (project_id, round_number)
      );
      -- Who asked for a queued or running job to stop (the worker stops at its next check).
      ALTER TABLE jobs ADD COLUMN cancel_requested_by TEXT;
    `,
  },
  {
    version: 9,
    name: 'volumes',
    up: `
      -- Image Position / Orientation (per frame), Frame of Reference and pixel spacing, as JSON: what
      -- the sync needs to decide whether a series' slices form one volume.
      ALTER TABLE instances ADD COLUMN geometry TEXT;
      -- The instance's place in its series' volume, ordered along the normal (0 = first), and its
      -- distance from the first slice in mm; NULL when the series is not a volume.
      ALTER TABLE instances ADD COLUMN slice_index INTEGER;
      ALTER TABLE instances ADD COLUMN slice_offset_mm REAL;
      -- One row per series of two or more slices a sync looked at: a volume, or refused with why.
      CREATE TABLE volumes (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        series_uid TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('volume', 'refused')),
        problem TEXT,
        reason TEXT,
        slices INTEGER NOT NULL,
        spacing_mm REAL,
        uniform INTEGER,
        tilt_mm REAL,
        assembled_at TEXT NOT NULL,
        PRIMARY KEY (project_id, series_uid)
      );
    `,
  },
  {
    version: 10,
    name: 'one case per frame of a multi-frame volume',
    up: `
      -- The SOP Instance UID the case is (of) in the PACS: sop_uid itself, but for a frame of a
      -- multi-frame instance whose frames form a volume, each a case of its own: sop_uid is then
      -- '<SOP Instance UID>:<frame>' (caseKey.ts) and frame its Referenced Frame Number (1-based).
      ALTER TABLE instances ADD COLUMN instance_uid TEXT;
      ALTER TABLE instances ADD COLUMN frame INTEGER;
      UPDATE instances SET instance_uid = sop_uid;
      CREATE INDEX instances_instance_uid ON instances (project_id, instance_uid);
    `,
  },
];
