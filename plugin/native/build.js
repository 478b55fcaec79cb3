#!/usr/bin/env node
'use strict';
/**
 * Builds the optional native kernels (plugin/native/nativeKernels.cc, elementwise.cc,
 * normalization.cc and diceCe.cc, with napiArgs.h, helperThreads.h and channelLoops.h) into
 * plugin/native/build/scanselect_native.node with the machine's g++ (OpenMP), Node's own headers
 * and Debian's oneDNN (`apt-get install libdnnl-dev`).
 * Without oneDNN's headers, or without Node's, it says so and exits 0: the wasm kernels stay in
 * use (plugin/src/compute/nativeKernels.ts).
 * A compiler error with both present is a real failure (exit 1).
 *
 *   node plugin/native/build.js [--required]   (--required: exit 1 when it cannot build)
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const required = process.argv.includes('--required');
const here = __dirname;
const out = path.join(here, 'build', 'scanselect_native.node');
const sources = ['nativeKernels.cc', 'elementwise.cc', 'normalization.cc', 'diceCe.cc'].map((f) => path.join(here, f));
// Everything the addon is built from: a change to any of them rebuilds it.
const inputs = [...sources, ...['napiArgs.h', 'helperThreads.h', 'channelLoops.h', 'build.js'].map((f) => path.join(here, f))];

function skip(reason) {
  console.log(`native kernels: not built (${reason}); the wasm kernels are used`);
  process.exit(required ? 1 : 0);
}

const nodeInclude = [
  process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
  path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
].find((dir) => dir && fs.existsSync(path.join(dir, 'node_api.h')));
if (!nodeInclude) skip("Node's headers (node_api.h) not found");
const dnnlHeader = ['/usr/include/dnnl.hpp', '/usr/local/include/dnnl.hpp'].find((f) => fs.existsSync(f));
if (!dnnlHeader) skip('oneDNN headers not found: apt-get install libdnnl-dev');
const compiler = process.env.CXX || 'g++';

// Up to date: nothing to do.
if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs))) {
  console.log(`native kernels: up to date (${path.relative(process.cwd(), out)})`);
  process.exit(0);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
const temp = `${out}.${process.pid}.tmp`;
// -fopenmp: the elementwise kernels ask oneDNN's OpenMP runtime (libgomp) for the thread count
// (OMP_NUM_THREADS, the `threads` compute option, else the cores); -ffp-contract=off: no
// fused multiply-adds, so every float32 result equals the wasm and cpu backends' bit for bit;
// -fno-math-errno: sqrt need not set errno, so its loops vectorise (same values).
const args = ['-O3', '-std=c++17', '-shared', '-fPIC', '-fvisibility=hidden', '-fopenmp', '-ffp-contract=off', '-fno-math-errno',
  '-DNODE_GYP_MODULE_NAME=scanselect_native',
  `-I${nodeInclude}`, `-I${path.dirname(dnnlHeader)}`, ...sources, '-ldnnl', '-o', temp];
const result = spawnSync(compiler, args, { stdio: 'inherit' });
if (result.error) skip(`${compiler} could not run: ${result.error.message}`);
if (result.status !== 0) {
  fs.rmSync(temp, { force: true });
  console.error(`native kernels: ${compiler} failed (exit ${result.status})`);
  process.exit(1);
}
fs.renameSync(temp, out);
console.log(`native kernels: built ${path.relative(process.cwd(), out)}`);
