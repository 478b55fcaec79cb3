import { countLabels, paintedPixels, predictionLabels, PredictionError } from './prediction';

const png = (width: number, height: number, values: number[]) => ({ width, height, values: Uint8Array.from(values) });

describe('predictionLabels', () => {
  it('answers the labels and the pixels per class of a prediction the size of the image', () => {
    const predicted = predictionLabels(png(3, 2, [0, 1, 1, 2, 0, 1]), { columns: 3, rows: 2 }, 2);
    expect(Array.from(predicted.labels)).toEqual([0, 1, 1, 2, 0, 1]);
    expect(predicted.counts).toEqual({ 1: 3, 2: 1 });
  });

  it('refuses a prediction of another size (columns × rows, not transposed)', () => {
    expect(() => predictionLabels(png(3, 2, [0, 0, 0, 0, 0, 0]), { columns: 2, rows: 3 }, 2)).toThrow(new PredictionError('the prediction is 3 × 2 pixels but the image is 2 × 3'));
  });

  it('refuses values beyond the project\'s classes', () => {
    expect(() => predictionLabels(png(2, 2, [0, 3, 4, 1]), { columns: 2, rows: 2 }, 2)).toThrow('the prediction holds values 3, 4, but the project has 2 classes');
  });

  it('counts as labelCounts does (background left out) and sums them', () => {
    expect(countLabels([0, 0, 0])).toEqual({});
    expect(countLabels([2, 2, 0, 5])).toEqual({ 2: 2, 5: 1 });
    expect(paintedPixels({ 1: 4, 2: 3 })).toBe(7);
    expect(paintedPixels({})).toBe(0);
  });
});
