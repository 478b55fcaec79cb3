import { allocateProportionally } from './allocation';

describe('allocateProportionally (eq. 4)', () => {
  it('uses the largest remainder so that the shares sum to R exactly', () => {
    // R = 5 over sizes 80, 60, 40, 30, 20 (N = 230): quotas 1.739, 1.304, 0.870, 0.652, 0.435;
    // floors 1, 1, 0, 0, 0 leave 3, given to the largest remainders .870, .739, .652.
    const sizes = [80, 60, 40, 30, 20];
    expect(Array.from(allocateProportionally(5, sizes, sizes.map((s) => s - 1)))).toEqual([2, 1, 1, 1, 0]);
  });

  it('gives remainder ties to the larger cluster, then to the lower index', () => {
    expect(Array.from(allocateProportionally(1, [2, 2], [1, 1]))).toEqual([1, 0]);
    // quotas 0.5 and 0.5 of R = 1 over sizes 3 and 3 plus one of size 2: ties go left.
    expect(Array.from(allocateProportionally(2, [3, 2, 3], [2, 1, 2]))).toEqual([1, 0, 1]);
  });

  it('never exceeds |C| − 1 and redistributes the excess the same way', () => {
    // sizes 1, 1, 8 (caps 0, 0, 7), R = 5: the singletons cannot take anything.
    expect(Array.from(allocateProportionally(5, [1, 1, 8], [0, 0, 7]))).toEqual([0, 0, 5]);
    // sizes 2, 10, 10 (caps 1, 9, 9), R = 12: quota of the first is 1.09 → capped at 1.
    const shares = allocateProportionally(12, [2, 10, 10], [1, 9, 9]);
    expect(Array.from(shares)).toEqual([1, 6, 5]);
  });

  it('handles R = 0 and refuses an impossible R', () => {
    expect(Array.from(allocateProportionally(0, [5, 5], [4, 4]))).toEqual([0, 0]);
    expect(() => allocateProportionally(9, [5, 5], [4, 4])).toThrow(/hold only 8/);
    expect(() => allocateProportionally(-1, [5], [4])).toThrow(/cannot allocate/);
  });
});
