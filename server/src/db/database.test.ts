import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase, schemaVersion, SchemaVersionError, type Migration } from './database';

const v1: Migration = { version: 1, name: 'projects', up: 'CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)' };
const v2: Migration = { version: 2, name: 'cases', up: 'CREATE TABLE cases (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id))' };

describe('openDatabase / migrate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-db-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies pending migrations once, in order, and keeps data across reopenings', () => {
    const file = path.join(dir, 'a.sqlite');
    const db = openDatabase(file, [v1]);
    expect(schemaVersion(db)).toBe(1);
    db.prepare('INSERT INTO projects (name) VALUES (?)').run('lungs');
    db.close();
    const again = openDatabase(file, [v1, v2]);
    expect(schemaVersion(again)).toBe(2);
    expect(again.prepare('SELECT name FROM projects').all()).toEqual([{ name: 'lungs' }]);
    expect(migrate(again, [v1, v2])).toEqual([]);
    expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
    again.close();
  });

  it('enforces foreign keys', () => {
    const db = openDatabase(':memory:', [v1, v2]);
    expect(() => db.prepare('INSERT INTO cases (project_id) VALUES (99)').run()).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('rolls back a failing migration whole and leaves the version where it was', () => {
    const db = openDatabase(':memory:', [v1]);
    const bad: Migration = { version: 2, name: 'bad', up: 'CREATE TABLE t2 (x INTEGER); INSERT INTO nowhere VALUES (1);' };
    expect(() => migrate(db, [v1, bad])).toThrow(/no such table: nowhere/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't2'").all()).toEqual([]);
    db.close();
  });

  it('refuses a database newer than the server, and migrations out of order', () => {
    const file = path.join(dir, 'b.sqlite');
    openDatabase(file, [v1, v2]).close();
    expect(() => openDatabase(file, [v1])).toThrow(SchemaVersionError);
    expect(() => openDatabase(file, [v1])).toThrow(/schema version 2, newer than this server knows \(1\)/);
    expect(() => openDatabase(':memory:', [v2])).toThrow(/expected 1/);
  });
});
