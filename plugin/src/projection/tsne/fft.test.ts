import { createRng } from '../../random/rng';
import { createFft, fftLength } from './fft';

/** O(n²) DFT with exactly reduced angles: the independent reference. */
function naiveDft(re: Float64Array, im: Float64Array, sign: number): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = sign * 2 * Math.PI * ((j * k) % n) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      sr += re[j]! * c - im[j]! * s;
      si += re[j]! * s + im[j]! * c;
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return [outRe, outIm];
}

function randomComplex(n: number, seed: number): [Float64Array, Float64Array] {
  const rng = createRng(seed);
  return [Float64Array.from({ length: n }, () => rng.nextGaussian()), Float64Array.from({ length: n }, () => rng.nextGaussian())];
}

/** max |a − b| / max |b| over complex entries. */
function relativeError(aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array): number {
  let err = 0;
  let mag = 0;
  for (let k = 0; k < bRe.length; k++) {
    err = Math.max(err, Math.hypot(aRe[k]! - bRe[k]!, aIm[k]! - bIm[k]!));
    mag = Math.max(mag, Math.hypot(bRe[k]!, bIm[k]!));
  }
  return err / mag;
}

describe('fft', () => {
  const lengths = [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 25, 27, 30, 32, 45, 60, 64, 100, 120, 125, 128, 243, 300, 360, 480];

  it.each(lengths)('forward matches the naive DFT for n = %i', (n) => {
    const [re, im] = randomComplex(n, n);
    const [eRe, eIm] = naiveDft(re, im, -1);
    createFft(n).forward(re, im, new Float64Array(n), new Float64Array(n));
    expect(relativeError(re, im, eRe, eIm)).toBeLessThan(1e-13);
  });

  it.each([6, 64, 300])('inverse is the unnormalised inverse DFT and round-trips (n = %i)', (n) => {
    const [re, im] = randomComplex(n, 7 * n);
    const [eRe, eIm] = naiveDft(re, im, 1);
    const fft = createFft(n);
    const r = re.slice();
    const i = im.slice();
    fft.inverse(r, i, new Float64Array(n), new Float64Array(n));
    expect(relativeError(r, i, eRe, eIm)).toBeLessThan(1e-13);
    fft.forward(r, i, new Float64Array(n), new Float64Array(n));
    expect(relativeError(r.map((v) => v / n), i.map((v) => v / n), re, im)).toBeLessThan(1e-14);
  });

  it('transforms interleaved batches exactly as one sequence at a time', () => {
    const n = 60;
    const batch = 7;
    const [re, im] = randomComplex(n * batch, 3);
    const fft = createFft(n);
    const bRe = re.slice();
    const bIm = im.slice();
    fft.forward(bRe, bIm, new Float64Array(n * batch), new Float64Array(n * batch), batch);
    for (let r = 0; r < batch; r++) {
      const sRe = Float64Array.from({ length: n }, (_, k) => re[r + batch * k]!);
      const sIm = Float64Array.from({ length: n }, (_, k) => im[r + batch * k]!);
      fft.forward(sRe, sIm, new Float64Array(n), new Float64Array(n));
      for (let k = 0; k < n; k++) {
        expect(bRe[r + batch * k]).toBe(sRe[k]);
        expect(bIm[r + batch * k]).toBe(sIm[k]);
      }
    }
  });

  it('plans radix-4 stages first', () => {
    expect(createFft(480).radices).toEqual([4, 4, 2, 3, 5]);
    expect(createFft(1).radices).toEqual([]);
  });

  it.each([0, 7, 14, 2.5])('rejects length %p', (n) => {
    expect(() => createFft(n)).toThrow(/2\^a 3\^b 5\^c/);
  });

  it('fftLength rounds up to the next 2^a·3^b·5^c', () => {
    expect([0, 1, 7, 11, 13, 17, 31, 97, 301, 481].map(fftLength)).toEqual([1, 1, 8, 12, 15, 18, 32, 100, 320, 486]);
  });
});
