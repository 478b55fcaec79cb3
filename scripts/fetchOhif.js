#!/usr/bin/env node
'use strict';
/**
 * Puts the prebuilt OHIF viewer (the `dist/` of the `@ohif/app` npm package) in
 * viewer-extension/vendor/ohif/, where the server serves it at /viewer. `npm install @ohif/app`
 * does not work (its @ohif/* dependencies are missing from the registry at matching versions), but
 * the package's own tarball holds a self-contained build: this fetches it with `npm pack`,
 * checks the pinned integrity, and unpacks `dist/` without the parts ScanSelect never loads
 * (onnxruntime for the AI tools, the slide-microscopy viewer: 156 of its 204 MB).
 *
 *   node scripts/fetchOhif.js [--optional]
 *
 * Does nothing when the pinned version is already there. With --optional a failure (offline)
 * is a warning: the server then answers /viewer with 503 and says how to fetch it.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PACKAGE = '@ohif/app';
const VERSION = '3.13.2';
const INTEGRITY = 'sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA==';
const EXCLUDED = ['ort', 'dicom-microscopy-viewer'];
const target = path.join(__dirname, '..', 'viewer-extension', 'vendor', 'ohif');
const stamp = path.join(target, '.scanselect-version');

function main() {
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === `${PACKAGE}@${VERSION}` && fs.existsSync(path.join(target, 'index.html'))) {
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scanselect-ohif-'));
  try {
    process.stderr.write(`fetching the prebuilt OHIF viewer (${PACKAGE}@${VERSION}, 50 MB) …\n`);
    const packed = JSON.parse(execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--json', '--pack-destination', work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))[0];
    if (packed.integrity !== INTEGRITY) throw new Error(`${PACKAGE}@${VERSION} has integrity ${packed.integrity}, expected the pinned ${INTEGRITY}`);
    const excludes = EXCLUDED.flatMap((dir) => ['--exclude', `package/dist/${dir}`]);
    execFileSync('tar', ['-xzf', path.join(work, packed.filename), '-C', work, ...excludes, 'package/dist']);
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(path.join(work, 'package', 'dist'), target);
    fs.writeFileSync(stamp, `${PACKAGE}@${VERSION}\n`);
    process.stderr.write(`OHIF viewer ready in ${path.relative(process.cwd(), target)}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  const optional = process.argv.includes('--optional');
  process.stderr.write(`${optional ? 'warning' : 'error'}: could not fetch the OHIF viewer: ${error.message}\n${optional ? 'The server runs without /viewer; run `node scripts/fetchOhif.js` when online.\n' : ''}`);
  process.exitCode = optional ? 0 : 1;
}
