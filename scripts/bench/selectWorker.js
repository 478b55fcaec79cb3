'use strict';
/**
 * One size of `npm run bench:select`, in its own process so that peak memory is per size.
 * Usage: node scripts/bench/selectWorker.js N D BUDGET OUTDIR [REPULSION] [NEIGHBORS]
 * Generates the synthetic pool, writes it (float32, row-major) for scikit-learn, runs the real
 * cold-start pipeline (runColdStart, t-SNE projection) and prints one JSON line of timings.
 */
const fs = require('node:fs');
const path = require('node:path');
const { clusteredEmbeddings, createRng, runColdStart } = require('../../plugin/dist/index.js');

async function main() {
  const [n, d, budget] = process.argv.slice(2, 5).map(Number);
  const outDir = process.argv[5];
  const tsne = { repulsion: process.argv[6] ?? 'auto', neighbors: process.argv[7] ?? 'auto' };
  const pool = clusteredEmbeddings({ n, dimensions: d, clusters: 10 }, createRng(2026));
  const emb = pool.embeddings.data;
  fs.writeFileSync(path.join(outDir, `emb-${n}.f32`), Buffer.from(emb.buffer, emb.byteOffset, emb.byteLength));
  fs.writeFileSync(path.join(outDir, `truth-${n}.i32`), Buffer.from(pool.truth.buffer));

  const marks = [];
  const peakMb = () => process.resourceUsage().maxRSS / 1024;
  const mark = (stage) => marks.push({ stage, t: performance.now(), peakMb: peakMb() });
  const group = (stage) => (stage.startsWith('tsne') ? 'projection' : stage === 'kmeans-sweep' ? 'kSweep' : stage);
  mark('start');
  let current = 'projection';
  const run = await runColdStart(pool, {
    budget,
    seed: 42,
    tsne,
    onProgress: (e) => {
      const g = group(e.stage);
      if (g !== current) {
        mark(current);
        current = g;
      }
    },
  });
  mark(current);
  const stages = {};
  for (let i = 1; i < marks.length; i++) stages[marks[i].stage] = { seconds: (marks[i].t - marks[i - 1].t) / 1000, peakMb: marks[i].peakMb };
  const map = run.map.data;
  fs.writeFileSync(path.join(outDir, `map-js-${n}.f64`), Buffer.from(map.buffer, map.byteOffset, map.byteLength));
  process.stdout.write(JSON.stringify({
    n, d, budget, k: run.report.k,
    total: (marks[marks.length - 1].t - marks[0].t) / 1000,
    stages,
    peakMb: peakMb(),
    silhouetteExact: !run.report.notes.some((t) => t.includes('sample')),
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
