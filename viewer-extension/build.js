#!/usr/bin/env node
'use strict';
/**
 * Bundles the OHIF extension and the `scanselect` mode into two native ES modules (what the
 * prebuilt OHIF app `import()`s from the URLs in its app-config.js): dist/scanselect-extension.js
 * and dist/scanselect-mode.js. dcmjs (to write the DICOM SEG) is bundled in; nothing of OHIF or
 * React is (the app does not expose them to run-time extensions). Type checking is
 * `npm run typecheck`; this only transpiles and bundles (esbuild).
 */
const path = require('node:path');
const esbuild = require('esbuild');

const root = __dirname;
esbuild
  .build({
    entryPoints: {
      'scanselect-extension': path.join(root, 'src', 'extension', 'index.ts'),
      'scanselect-mode': path.join(root, 'src', 'mode', 'index.ts'),
    },
    outdir: path.join(root, 'dist'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    sourcemap: true,
    legalComments: 'linked',
    minify: true,
    logLevel: 'warning',
  })
  .catch(() => process.exit(1));
