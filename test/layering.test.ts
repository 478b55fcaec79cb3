/**
 * The layering rules of eslint.config.js: plugin/ stays free of server, HTTP, viewer and DOM
 * code, and nothing calls Math.random. Checked by linting small probes as if they were files of
 * each package.
 */
import path from 'node:path';
import { ESLint } from 'eslint';

// The config is required rather than discovered: ESLint loads config files with a dynamic
// import, which jest's module sandbox does not support.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require('../eslint.config.js') as ESLint.Options['overrideConfig'];
const eslint = new ESLint({ cwd: path.join(__dirname, '..'), overrideConfigFile: true, overrideConfig: config });

async function ruleIds(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(__dirname, '..', file) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('layering lint rules', () => {
  it('keeps server, HTTP, viewer and DOM code out of plugin/', async () => {
    for (const mod of ['express', 'node:http', 'better-sqlite3', 'react', '@ohif/core', '@scanselect/server', '../../server/src/app']) {
      expect(await ruleIds(`import x from '${mod}';\nexport default x;\n`, 'plugin/src/probe.ts')).toContain('no-restricted-imports');
    }
    expect(await ruleIds('export const d = document.title;\n', 'plugin/src/probe.ts')).toContain('no-restricted-globals');
  });

  it('allows the same imports in server/ but not the viewer or the engine\'s internals', async () => {
    expect(await ruleIds("import x from 'express';\nexport default x;\n", 'server/src/probe.ts')).toEqual([]);
    expect(await ruleIds("import x from '@scanselect/viewer-extension';\nexport default x;\n", 'server/src/probe.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { x } from '@scanselect/plugin/dist/selection/coldStart';\nexport default x;\n", 'server/src/probe.ts')).toContain('no-restricted-imports');
  });

  it('keeps the admin console to the API: types from the server, nothing of the engine or the viewer', async () => {
    expect(await ruleIds("import type { ProjectView } from '@scanselect/server';\nexport type P = ProjectView;\n", 'admin-console/src/probe.ts')).toEqual([]);
    for (const mod of ['@scanselect/plugin', '@scanselect/server/dist/server', '../../server/src/domain/runRound', '../../viewer-extension/src/ids']) {
      expect(await ruleIds(`import { x } from '${mod}';\nexport const y = x;\n`, 'admin-console/src/probe.tsx')).toContain('@typescript-eslint/no-restricted-imports');
    }
    expect(await ruleIds("import { createServer } from '@scanselect/server';\nexport const y = createServer;\n", 'admin-console/src/probe.ts')).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('forbids Math.random everywhere', async () => {
    expect(await ruleIds('export const r = Math.random();\n', 'plugin/src/probe.ts')).toContain('no-restricted-properties');
    expect(await ruleIds('export const r = Math.random();\n', 'server/src/probe.ts')).toContain('no-restricted-properties');
  });
});
