import { InvalidInputError } from '../core/errors';
import { createRng } from '../random/rng';
import { clusteredEmbeddings } from '../synthetic/clusteredEmbeddings';
import fixture from '../clustering/__fixtures__/clustering.json';
import { runAcquisition, runColdStart, type EmbeddedPool } from './pipeline';

const points2d: EmbeddedPool = {
  ids: fixture.points.map((_, i) => `p${i}`),
  embeddings: { rows: fixture.points.length, cols: 2, data: Float64Array.from(fixture.points.flat()) },
};

describe('runColdStart', () => {
  it('reports ids, clusters, ranks, reasons and coordinates', async () => {
    const { report, map } = await runColdStart(points2d, { budget: 10, projection: 'none', seed: 42 });
    expect(report).toMatchObject({ strategy: 'coldstart', projection: 'none', seed: 42, k: 5, budget: 10, poolSize: 230 });
    expect(report.clusters).toHaveLength(5);
    expect(report.clusters[0]).toEqual({ id: 0, size: 80, medoid: expect.stringMatching(/^p\d+$/), allocated: 3 });
    const first = report.selected[0]!;
    const row = Number(first.id.slice(1));
    expect(first).toEqual({ id: first.id, rank: 1, cluster: 0, reason: 'medoid', x: fixture.points[row]![0], y: fixture.points[row]![1] });
    expect(map.rows).toBe(230);
  });

  it('runs every registered strategy and projection', async () => {
    const pool = clusteredEmbeddings({ n: 120, dimensions: 16, clusters: 4 }, createRng(1));
    for (const strategy of ['coldstart', 'random', 'kmeans-budget']) {
      for (const projection of ['pca', 'tsne']) {
        const { report } = await runColdStart(pool, { budget: 6, strategy, projection, tsne: { iterations: 300 } });
        expect(report.selected).toHaveLength(6);
        expect(report.strategy).toBe(strategy);
        expect(report.k === null).toBe(strategy !== 'coldstart');
      }
    }
  });

  it('is bit-for-bit reproducible for a seed (t-SNE included)', async () => {
    const pool = clusteredEmbeddings({ n: 150, dimensions: 32, clusters: 5 }, createRng(2));
    const a = await runColdStart(pool, { budget: 8, seed: 5 });
    const b = await runColdStart(pool, { budget: 8, seed: 5 });
    expect(JSON.stringify(b.report)).toBe(JSON.stringify(a.report));
    expect(Buffer.from(b.map.data.buffer).equals(Buffer.from(a.map.data.buffer))).toBe(true);
    const c = await runColdStart(pool, { budget: 8, seed: 6 });
    expect(Buffer.from(c.map.data.buffer).equals(Buffer.from(a.map.data.buffer))).toBe(false);
  });

  it('rejects bad input with typed errors', async () => {
    const expectCode = async (p: Promise<unknown>, code: string, message: RegExp) => {
      await expect(p).rejects.toThrow(message);
      await p.catch((e: unknown) => {
        expect(e).toBeInstanceOf(InvalidInputError);
        expect((e as InvalidInputError).code).toBe(code);
      });
    };
    const nan: EmbeddedPool = { ids: ['a', 'b'], embeddings: { rows: 2, cols: 2, data: Float64Array.from([0, 1, NaN, 2]) } };
    await expectCode(runColdStart(nan, { budget: 1, projection: 'none' }), 'not-finite', /row "b", column 0 is NaN/);
    const dup: EmbeddedPool = { ids: ['a', 'a'], embeddings: { rows: 2, cols: 2, data: new Float64Array(4) } };
    await expectCode(runColdStart(dup, { budget: 1, projection: 'none' }), 'duplicate-id', /"a" appears twice/);
    const ragged: EmbeddedPool = { ids: ['a'], embeddings: { rows: 2, cols: 2, data: new Float64Array(4) } };
    await expectCode(runColdStart(ragged, { budget: 1, projection: 'none' }), 'ragged-rows', /1 ids for 2 embedding rows/);
    await expectCode(runColdStart(points2d, { budget: 0, projection: 'none' }), 'invalid-budget', /budget must be a positive integer/);
    await expect(runColdStart(points2d, { budget: 3, strategy: 'magic' })).rejects.toThrow('unknown strategy "magic"; valid: coldstart, random, kmeans-budget');
    await expect(runColdStart(points2d, { budget: 3, projection: 'umap' })).rejects.toThrow(/unknown projection "umap"/);
    const threeD: EmbeddedPool = { ids: ['a'], embeddings: { rows: 1, cols: 3, data: new Float64Array(3) } };
    await expectCode(runColdStart(threeD, { budget: 1, projection: 'none' }), 'invalid-option', /needs 2-D embeddings/);
  });
});

describe('runAcquisition', () => {
  const labelled = ['p0', 'p100'];
  const entropy = new Map(points2d.ids.filter((id) => !labelled.includes(id)).map((id, i) => [id, (i * 37) % 101 / 100]));

  it('acquires with entropy, diversity and score on each pick', async () => {
    const { report } = await runAcquisition(points2d, { entropy, labelled, count: 5, projection: 'none' });
    expect(report).toMatchObject({ strategy: 'entropy-diversity', alpha: 0.3, k: null, clusters: [], labelled });
    expect(report.selected).toHaveLength(5);
    expect(report.selected[0]!.reason).toBe('entropy');
    expect(report.selected[0]!.entropyNormalised).toBeCloseTo(1, 6);
    for (const s of report.selected) {
      expect(labelled).not.toContain(s.id);
      expect(typeof s.diversity).toBe('number');
      expect(s.score).toBeCloseTo(0.3 * s.diversity! + 0.7 * s.entropyNormalised!, 12);
    }
  });

  it('uses the same 2-D map as the cold start for the same seed', async () => {
    const pool = clusteredEmbeddings({ n: 100, dimensions: 24, clusters: 4 }, createRng(3));
    const cold = await runColdStart(pool, { budget: 6, seed: 11 });
    const ent = new Map(pool.ids.map((id, i) => [id, pool.atypicality[i]!]));
    const done = cold.report.selected.map((s) => s.id);
    done.forEach((id) => ent.delete(id));
    const round = await runAcquisition(pool, { entropy: ent, labelled: done, count: 4, seed: 11 });
    expect(Buffer.from(round.map.data.buffer).equals(Buffer.from(cold.map.data.buffer))).toBe(true);
  });

  it('rejects unknown ids, labelled ids not in the pool, missing entropies and bad α', async () => {
    await expect(runAcquisition(points2d, { entropy, labelled: ['nope'], count: 1, projection: 'none' })).rejects.toThrow('labelled id "nope" is not in the pool of embeddings');
    const extra = new Map(entropy).set('ghost', 0.1);
    await expect(runAcquisition(points2d, { entropy: extra, labelled, count: 1, projection: 'none' })).rejects.toThrow(/entropy given for id "ghost"/);
    const missing = new Map(entropy);
    missing.delete('p5');
    await expect(runAcquisition(points2d, { entropy: missing, labelled, count: 1, projection: 'none' })).rejects.toThrow(/no entropy for 1 unlabelled image\(s\): "p5"/);
    await expect(runAcquisition(points2d, { entropy, labelled, count: 1, alpha: 2, projection: 'none' })).rejects.toThrow(/alpha must be a number in \[0, 1\]/);
    await expect(runAcquisition(points2d, { entropy, labelled: ['p0', 'p0'], count: 1, projection: 'none' })).rejects.toThrow(/appears twice/);
    await expect(runAcquisition(points2d, { entropy, labelled, count: -1, projection: 'none' })).rejects.toThrow(/count must be a positive integer/);
  });
});
