#!/usr/bin/env node
'use strict';
/**
 * Bundles the admin console (Preact + uPlot, src/main.tsx) into dist/admin.js and dist/admin.css
 * and copies src/index.html beside them; the server serves dist/ at /admin. Type checking is
 * `npm run typecheck`; this only transpiles and bundles (esbuild).
 */
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = __dirname;
const dist = path.join(root, 'dist');
fs.mkdirSync(dist, { recursive: true });
esbuild
  .build({
    entryPoints: { admin: path.join(root, 'src', 'main.tsx') },
    outdir: dist,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: true,
    legalComments: 'linked',
    minify: true,
    logLevel: 'warning',
  })
  .then(() => fs.copyFileSync(path.join(root, 'src', 'index.html'), path.join(dist, 'index.html')))
  .catch(() => process.exit(1));
