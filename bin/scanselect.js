#!/usr/bin/env node
'use strict';
// Entry point of the `scanselect` command. The TypeScript is compiled by `npm run build`.
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'server', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('scanselect: not built yet — run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry)
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
