import { initCompute } from '@scanselect/plugin';
import { openRoundFixture, type RoundFixture } from '../../../test/harness/roundFixture';
import { getModel } from '../storage/storedModel';
import { runRound } from './runRound';
import { scoreRounds } from './scoreRounds';
import { chooseValidationSet } from './validationSet';

jest.setTimeout(120_000);

/**
 * Validation cases in a round: a tiny real round (PCA map, a 32² Attention U-Net trained for one
 * epoch) on a synthetic pool of 30, budget 6 + 3 = 9 with a validation set of 5 beside it.
 */
describe('runRound with a validation set', () => {
  let f: RoundFixture;
  let validation: string[];
  let coldStart: string[];
  beforeAll(async () => {
    await initCompute(); // the backend the server would pick (tfjs-node where installed)
    f = await openRoundFixture(30, { budget: { coldStart: 6, perRound: 3, total: 9 } });
    const round0 = await runRound(f.roundDeps, { project: f.project, source: f.source, jobId: null });
    coldStart = (await f.ctx.rounds.worklist(f.project.id, { round: round0.number })).map((i) => i.sopUid);
    validation = (await chooseValidationSet(f.ctx, 'tester', f.project.id, { size: 5 })).cases.map((c) => c.sopUid);
    for (const id of [...coldStart, ...validation]) await f.label(id);
  });
  afterAll(() => f?.dispose());

  it('trains on the selected cases only, never selects a validation case, and leaves the budget alone', async () => {
    expect(validation).toHaveLength(5);
    expect(validation.some((id) => coldStart.includes(id))).toBe(false);
    f.reads.labelMap.length = 0;
    f.reads.modelInput.length = 0;
    // Budget 9: 6 spent, 3 left — 5 validation cases beside them would leave none if they counted.
    const round = await runRound(f.roundDeps, { project: f.project, source: f.source, jobId: null });
    expect(round).toMatchObject({ number: 1, kind: 'active', size: 3 });
    expect(round.report.training!.images).toBe(6);
    expect(f.reads.labelMap.some((key) => validation.some((id) => key.includes(id)))).toBe(false);
    expect(f.reads.labelMap).toHaveLength(6);
    expect(f.reads.modelInput.filter((id) => validation.includes(id))).toEqual([]); // not trained on, not predicted as candidates
    const trained = await getModel(f.ctx.artifacts, round.modelDir!);
    expect([...trained.ids].sort()).toEqual([...coldStart].sort());
    trained.dispose();
    const selected = (await f.ctx.rounds.worklist(f.project.id, { round: 1 })).filter((i) => !i.validation).map((i) => i.sopUid);
    expect(selected).toHaveLength(3);
    expect(selected.some((id) => validation.includes(id))).toBe(false);
    // The map the round chose on (the diversity reference) holds no validation case.
    const map = await f.ctx.rounds.map(f.project.id, 1);
    expect(map.ids).toHaveLength(25);
    expect(map.ids.some((id) => validation.includes(id))).toBe(false);
    expect((await f.ctx.rounds.selectedIds(f.project.id))).toHaveLength(9);
    expect((await f.ctx.rounds.validationIds(f.project.id)).sort()).toEqual([...validation].sort());
    // The rounds list counts what each annotator labelled of the round's own cases.
    const listed = await f.ctx.rounds.list(f.project.id);
    expect(listed.map((r) => [r.number, r.size, r.labelled, r.labelledBy])).toEqual([[0, 6, 6, { tester: 6 }], [1, 3, 0, {}]]);
  });

  it('scores the round models that have one on the labelled validation cases, once per validation set', async () => {
    const first = await scoreRounds(f.ctx, { project: f.project, source: f.source });
    expect(first).toEqual({ validationCases: 5, scored: [1] }); // round 0, the cold start, has no model
    const stored = (await f.ctx.metrics.get(f.project.id, 1))!;
    expect(stored).toMatchObject({ round: 1, cases: 5, labelsUsed: 6 });
    expect(stored.metrics.classes.map((c) => c.name)).toEqual(['lung']);
    const dice = stored.metrics.classes[0]!.dice;
    expect(dice.min).toBeLessThanOrEqual(dice.median);
    expect(dice.median).toBeLessThanOrEqual(dice.max);
    expect(stored.metrics.meanDice).toBeCloseTo(dice.mean, 10); // one class: the mean foreground Dice is its Dice
    expect(await scoreRounds(f.ctx, { project: f.project, source: f.source })).toEqual({ validationCases: 5, scored: [] });
  });
});
