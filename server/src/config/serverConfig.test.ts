import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadServerConfig, parseServerConfig, sourceHeaders, type DicomWebSourceConfig } from './serverConfig';

const pacs = (extra: Record<string, unknown>): Record<string, unknown> => ({ sources: { pacs: { kind: 'dicomweb', url: 'http://pacs:8042/dicom-web', ...extra } } });

describe('PACS credentials from the environment (headersFromEnv)', () => {
  it('adds each header from its variable to the written ones', () => {
    const config = parseServerConfig(pacs({ headers: { 'X-Site': 'north' }, headersFromEnv: { Authorization: 'PACS_AUTH' } }), '/etc/scanselect');
    expect(sourceHeaders(config.sources.pacs as DicomWebSourceConfig, { PACS_AUTH: 'Basic abc' })).toEqual({ 'X-Site': 'north', Authorization: 'Basic abc' });
  });

  it('stops the start with a configuration error naming the variable (not its value) when it is not set', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-config-'));
    try {
      const file = path.join(dir, 'config.json');
      writeFileSync(file, JSON.stringify(pacs({ headersFromEnv: { Authorization: 'SCANSELECT_TEST_UNSET_VARIABLE' } })));
      expect(() => loadServerConfig(file)).toThrow(ConfigError);
      expect(() => loadServerConfig(file)).toThrow(/SCANSELECT_TEST_UNSET_VARIABLE .*is not set/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a variable name that is not one', () => {
    expect(() => parseServerConfig(pacs({ headersFromEnv: { Authorization: 'Basic abc' } }), '/')).toThrow(/headersFromEnv/);
  });
});

describe('database and jobs settings', () => {
  it('fills the job engine’s defaults and accepts only PostgreSQL URLs', () => {
    const config = parseServerConfig({ sources: { f: { kind: 'folder', path: 'x' } } }, '/');
    expect(config.jobs).toEqual({ retryLimit: 2, retryDelaySeconds: 30, timeoutSeconds: { sync: 7200, round: 14400 }, maintenanceIntervalSeconds: 60, pollSeconds: 2 });
    expect(config.database).toBeUndefined();
    expect(() => parseServerConfig({ sources: { f: { kind: 'folder', path: 'x' } }, database: { url: 'mysql://db/x' } }, '/')).toThrow(/database/);
  });
});
