import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { useSession } from '../app';
import { fixed } from '../format';
import type { LearningCurve, ProjectView } from '../types';
import { ErrorNote, Loading, Section, useAction, useLoad } from './common';

/**
 * Label efficiency: each round model's quality on the validation set (labelled, never trained
 * on) against the labels it was trained on — when the curve flattens, more labels buy little.
 */
export function CurveView({ project, reload }: { project: ProjectView; reload: () => void }) {
  const { api } = useSession();
  const curve = useLoad(() => api.get<LearningCurve>(`/api/projects/${project.id}/learning-curve`), [project.id, project.labelled]);
  const [size, setSize] = useState(String(Math.max(project.validation.size, 8)));
  const action = useAction();
  const c = curve.data;
  return (
    <>
      <Section title="Validation set">
        <p>
          {project.validation.size === 0 ? 'No validation set yet.' : `${project.validation.size} cases, ${project.validation.labelled} labelled.`}{' '}
          {c?.method}
        </p>
        <p class="help">Validation cases go on the worklist like any other and are labelled in the viewer; they are never trained on and do not count against the budget. Choose it after the cold start (its strata come from the round's map); it can grow, not shrink.</p>
        <form class="inline" onSubmit={(e) => { e.preventDefault(); void action.run(async () => { await api.send('POST', `/api/projects/${project.id}/validation`, { size: Number(size) }); reload(); curve.reload(); }); }}>
          <label for="validation-size">Validation set size</label>
          <input id="validation-size" type="number" min={Math.max(1, project.validation.size)} value={size} onInput={(e) => setSize(e.currentTarget.value)} />
          <button type="submit" disabled={action.busy}>{project.validation.size === 0 ? 'Choose validation cases' : 'Grow validation set'}</button>
        </form>
        <ErrorNote error={action.error} />
      </Section>
      <Section title="Learning curve">
        <ErrorNote error={curve.error} />
        {!c && !curve.error && <Loading what="the learning curve" />}
        {c && c.points.length === 0 && <p>No scored round yet: a round's model is scored on the labelled validation cases when a round finishes.</p>}
        {c && c.points.length > 0 && <CurveChart curve={c} classes={project.settings.classes} colours={project.settings.classColors} />}
        {c && c.points.length > 0 && <CurveTable curve={c} classes={project.settings.classes} />}
        {c && c.random === null && <p class="help">The random-selection expectation is not known inside the service (it needs repeated runs with random picks on labelled data: see the reproduction harness, `scanselect reproduce`).</p>}
        <div class="actions">
          <button type="button" onClick={() => void action.run(() => api.download(`/api/projects/${project.id}/learning-curve?format=csv`, 'learning-curve.csv'))}>Download CSV</button>
          <button type="button" onClick={() => void action.run(() => api.download(`/api/projects/${project.id}/learning-curve`, 'learning-curve.json'))}>Download JSON</button>
        </div>
      </Section>
    </>
  );
}

/** The curve drawn by uPlot (canvas: hidden from screen readers, who get the table below). */
function CurveChart({ curve, classes, colours }: { curve: LearningCurve; classes: readonly string[]; colours: readonly string[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const xs = curve.points.map((p) => p.labelsUsed);
    const series: uPlot.Series[] = [
      { label: 'labels used' },
      { label: 'mean Dice', stroke: '#222', width: 2, points: { size: 7 } },
      ...classes.map((name, i) => ({ label: `Dice ${name}`, stroke: colours[i] ?? '#888', width: 1.5, dash: [6, 3], points: { size: 5 } })),
    ];
    const data: uPlot.AlignedData = [xs, curve.points.map((p) => p.meanDice), ...classes.map((name) => curve.points.map((p) => p.dice[name] ?? null))];
    const plot = new uPlot({
      width: Math.min(760, box.current.clientWidth || 760), height: 320, series,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: 'labelled cases trained on' }, { label: 'Dice on the validation set' }],
    }, data, box.current);
    return () => plot.destroy();
  }, [curve, classes, colours]);
  return <figure class="curve"><div ref={box} aria-hidden="true" data-testid="curve-chart" /><figcaption>Dice on {curve.points[curve.points.length - 1]?.validationCases} validation cases against the labels each round's model was trained on.</figcaption></figure>;
}

function CurveTable({ curve, classes }: { curve: LearningCurve; classes: readonly string[] }) {
  return (
    <table class="curve-table">
      <caption>Learning curve: one row per scored round model</caption>
      <thead>
        <tr>
          <th scope="col">Round</th><th scope="col">Labels used</th><th scope="col">Validation cases</th><th scope="col">Mean Dice</th>
          {classes.map((c) => <th key={`d-${c}`} scope="col">Dice {c}</th>)}
          {classes.map((c) => <th key={`h-${c}`} scope="col">HD95 {c} (px)</th>)}
        </tr>
      </thead>
      <tbody>
        {curve.points.map((p) => (
          <tr key={p.round}>
            <th scope="row">{p.round}</th><td>{p.labelsUsed}</td><td>{p.validationCases}</td><td>{fixed(p.meanDice)}</td>
            {classes.map((c) => <td key={`d-${c}`}>{fixed(p.dice[c])}</td>)}
            {classes.map((c) => <td key={`h-${c}`}>{fixed(p.hd95[c], 1)}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
