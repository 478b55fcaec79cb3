import { CancelledError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import { createRng } from '../random/rng';
import { trustworthiness } from './trustworthiness';
import { tsne } from './tsne';
import { FFT_REPULSION_THRESHOLD, resolveTsneOptions } from './tsne/tsneOptions';
import fixture from './__fixtures__/tsne.json';

const clustered: DenseMatrix = { rows: fixture.rows, cols: fixture.cols, data: Float64Array.from(fixture.data) };
const same = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('tsne', () => {
  let reference: Float64Array;
  beforeAll(async () => {
    reference = await tsne(clustered, { threads: 1 }, createRng(11));
  });

  it('is at least as trustworthy as scikit-learn TSNE on the clustered fixture', () => {
    const t = trustworthiness(clustered, reference, 10);
    expect(t).toBeGreaterThanOrEqual(fixture.sklearnTrustworthiness10 - 0.02);
  });

  it('is bit-identical for the same seed, independent of the thread count', async () => {
    expect(same(await tsne(clustered, { threads: 1 }, createRng(11)), reference)).toBe(true);
    expect(same(await tsne(clustered, { threads: 2 }, createRng(11)), reference)).toBe(true);
  });

  it('differs for a different seed', async () => {
    expect(same(await tsne(clustered, { threads: 1, iterations: 100 }, createRng(12)), await tsne(clustered, { threads: 1, iterations: 100 }, createRng(11)))).toBe(false);
  });

  describe("repulsion: 'fft'", () => {
    let fft: Float64Array;
    beforeAll(async () => {
      fft = await tsne(clustered, { threads: 1, repulsion: 'fft' }, createRng(11));
    }, 60_000);

    it('is as trustworthy as Barnes–Hut on the clustered fixture', () => {
      const t = trustworthiness(clustered, fft, 10);
      expect(t).toBeGreaterThanOrEqual(fixture.sklearnTrustworthiness10 - 0.02);
      expect(Math.abs(t - trustworthiness(clustered, reference, 10))).toBeLessThan(0.01);
    });

    it('is bit-identical for the same seed, independent of the thread count', async () => {
      expect(same(await tsne(clustered, { threads: 2, repulsion: 'fft' }, createRng(11)), fft)).toBe(true);
    }, 60_000);

    it("'auto' picks fft from the threshold up", () => {
      expect(resolveTsneOptions({}, FFT_REPULSION_THRESHOLD - 1).repulsion).toBe('barnes-hut');
      expect(resolveTsneOptions({}, FFT_REPULSION_THRESHOLD).repulsion).toBe('fft');
      expect(resolveTsneOptions({ repulsion: 'barnes-hut' }, 10 * FFT_REPULSION_THRESHOLD).repulsion).toBe('barnes-hut');
    });
  });

  it('reduces wide inputs with PCA and reports every stage', async () => {
    const rng = createRng(4);
    const n = 60, d = 80;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) data[i * d + c] = (i % 3) * 5 * (c % 2) + rng.nextGaussian();
    const stages = new Set<string>();
    const y = await tsne({ rows: n, cols: d, data }, { iterations: 60, exaggerationIterations: 30, pcaComponents: 10 }, createRng(1), (e) => stages.add(e.stage));
    expect(y.every(Number.isFinite)).toBe(true);
    expect([...stages]).toEqual(['tsne:pca', 'tsne:neighbors', 'tsne:affinities', 'tsne:optimize']);
  });

  describe('edge cases', () => {
    const run = (rows: number[][], opts = {}): Promise<Float64Array> =>
      tsne({ rows: rows.length, cols: rows[0]!.length, data: Float64Array.from(rows.flat()) }, { iterations: 100, ...opts }, createRng(1));

    it('N=1 gives the origin', async () => {
      expect(Array.from(await run([[1, 2, 3]]))).toEqual([0, 0]);
    });

    it('N=2 and N=3 give finite, distinct points', async () => {
      for (const rows of [[[0, 0], [1, 1]], [[0, 0], [1, 0], [5, 5]]]) {
        const y = await run(rows);
        expect(y.length).toBe(2 * rows.length);
        expect(y.every(Number.isFinite)).toBe(true);
        expect(y[0] !== y[2] || y[1] !== y[3]).toBe(true);
      }
    });

    it('identical rows do not produce NaN', async () => {
      const rows = Array.from({ length: 30 }, (_, i) => (i < 10 ? [1, 1, 1] : [i % 5, i % 7, 0]));
      const y = await run(rows);
      expect(y.every(Number.isFinite)).toBe(true);
    });

    it('a constant input puts every point at the origin', async () => {
      const y = await run(Array.from({ length: 12 }, () => [3, 3]));
      expect(Array.from(y)).toEqual(new Array(24).fill(0));
    });
  });

  describe('errors', () => {
    it('rejects non-finite input', async () => {
      await expect(tsne({ rows: 2, cols: 2, data: Float64Array.from([0, NaN, 1, 1]) }, {}, createRng(1))).rejects.toMatchObject({ code: 'not-finite' });
    });

    it.each([
      [{ perplexity: 0 }, /perplexity/],
      [{ iterations: 10, exaggerationIterations: 20 }, /exaggerationIterations/],
      [{ learningRate: -1 }, /learningRate/],
      [{ theta: Number.NaN }, /theta/],
      [{ pcaComponents: 1 }, /pcaComponents/],
      [{ threads: 0 }, /threads/],
      [{ neighbors: 'fast' as unknown as 'exact' }, /neighbors/],
      [{ repulsion: 'fmm' as unknown as 'fft' }, /repulsion/],
    ])('rejects invalid option %p', async (opts, message) => {
      await expect(tsne(clustered, opts, createRng(1))).rejects.toMatchObject({ code: 'invalid-option', message: expect.stringMatching(message) });
    });

    it('throws CancelledError when aborted (before or during the run), with no workers left behind', async () => {
      const pre = new AbortController();
      pre.abort();
      await expect(tsne(clustered, { signal: pre.signal }, createRng(1))).rejects.toBeInstanceOf(CancelledError);
      const mid = new AbortController();
      const run = tsne(clustered, { signal: mid.signal, threads: 2 }, createRng(1), (e) => {
        if (e.stage === 'tsne:optimize' && e.fraction > 0.1) mid.abort();
      });
      await expect(run).rejects.toBeInstanceOf(CancelledError);
      const midFft = new AbortController();
      const runFft = tsne(clustered, { signal: midFft.signal, threads: 2, repulsion: 'fft' }, createRng(1), (e) => {
        if (e.stage === 'tsne:optimize' && e.fraction > 0.1) midFft.abort();
      });
      await expect(runFft).rejects.toBeInstanceOf(CancelledError);
    }, 30_000);
  });
});
