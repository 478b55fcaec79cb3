import { lineChartSvg, type ChartSeries, type Marker } from '../plot/lineChartSvg';
import type { ResultsRow } from './resultsTable';

const STYLE: Readonly<Record<string, { colour: string; marker: Marker; dashed?: boolean }>> = {
  Random: { colour: '#555555', marker: 'circle', dashed: true },
  'K-means to budget': { colour: '#ff7f0e', marker: 'diamond' },
  'Ours (cold start)': { colour: '#1f77b4', marker: 'circle' },
  'Entropy (α=0)': { colour: '#d62728', marker: 'triangle' },
  'Distance (α=1.0)': { colour: '#9467bd', marker: 'square' },
};
const FALLBACK = ['#2ca02c', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/**
 * Series of a metric against the labelling budget, one per method (the paper's Figures 4, 7 and
 * 8): mean over runs with ± one standard deviation as error bars. Active-learning methods are
 * plotted at their total budget B₀ + A.
 */
export function budgetSeries(rows: readonly ResultsRow[], metric: 'dice' | 'hd95'): ChartSeries[] {
  const methods = [...new Set(rows.map((r) => r.method))];
  let extra = 0;
  return methods.map((method) => {
    const style = STYLE[method] ?? (method.startsWith('Entropy+Distance')
      ? { colour: '#2ca02c', marker: 'square' as const }
      : { colour: FALLBACK[extra++ % FALLBACK.length]!, marker: 'circle' as const });
    const points = rows.filter((r) => r.method === method).map((r) => (metric === 'dice'
      ? { x: r.budget, y: r.diceMean, error: r.diceStd }
      : { x: r.budget, y: r.hd95Mean, error: r.hd95Std }));
    return { label: method, ...style, points };
  });
}

/** Dice and HD95 against budget as two SVG charts. */
export function budgetChartsSvg(rows: readonly ResultsRow[], options: { title: string; hdUnit: 'mm' | 'px'; note?: string }): { dice: string; hd95: string } {
  const xTicks = [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);
  return {
    dice: lineChartSvg({ title: `${options.title}: Dice`, xLabel: 'labelled images (budget B)', yLabel: 'Dice (test split, mean ± std over runs)', series: budgetSeries(rows, 'dice'), xTicks, ...(options.note !== undefined && { note: options.note }) }),
    hd95: lineChartSvg({ title: `${options.title}: HD95`, xLabel: 'labelled images (budget B)', yLabel: `HD95 (${options.hdUnit}, mean ± std over runs)`, series: budgetSeries(rows, 'hd95'), xTicks, ...(options.note !== undefined && { note: options.note }) }),
  };
}
