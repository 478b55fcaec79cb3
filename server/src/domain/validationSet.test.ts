import { openRoundFixture, type RoundFixture } from '../../../test/harness/roundFixture';
import { runRound } from './runRound';
import { chooseValidationSet, validationSet } from './validationSet';

/** Choosing a project's validation set: on the latest round's map, beside the worklist, growing only. */
describe('chooseValidationSet', () => {
  let f: RoundFixture;
  let coldStart: string[];
  beforeAll(async () => {
    f = await openRoundFixture(40);
  });
  afterAll(() => f?.dispose());

  it('needs a round whose map it can stratify', async () => {
    await expect(chooseValidationSet(f.ctx, 'admin', f.project.id, { size: 4 })).rejects.toMatchObject({ status: 409, code: 'no-map' });
    await runRound(f.roundDeps, { project: f.project, source: f.source, jobId: null });
    coldStart = (await f.ctx.rounds.worklist(f.project.id)).map((i) => i.sopUid);
    expect(coldStart).toHaveLength(6);
  });

  it('validates the size', async () => {
    for (const body of [{}, { size: 0 }, { size: 10001 }, { size: 2.5 }, { size: 3, extra: 1 }]) {
      await expect(chooseValidationSet(f.ctx, 'admin', f.project.id, body)).rejects.toMatchObject({ status: 400, code: 'invalid-body' });
    }
  });

  it('adds a stratified sample of the cases on no worklist to the latest round, after its own cases', async () => {
    const choice = await chooseValidationSet(f.ctx, 'admin', f.project.id, { size: 6 });
    expect(choice).toMatchObject({ size: 6, added: 6, strata: expect.any(Number), method: expect.stringMatching(/stratified random sample/i) });
    expect(choice.cases).toHaveLength(6);
    expect(choice.cases.some((c) => coldStart.includes(c.sopUid))).toBe(false);
    expect(choice.cases.map((c) => c.rank)).toEqual([7, 8, 9, 10, 11, 12]);
    for (const c of choice.cases) {
      expect(c).toMatchObject({ round: 0, validation: true, priority: 'high', status: 'open', entropy: null, reason: `validation: stratum ${c.cluster! + 1} of ${choice.strata}` });
    }
    // Not selected: the round's size, the budget and the selected ids are what they were.
    expect((await f.ctx.rounds.latest(f.project.id))).toMatchObject({ number: 0, size: 6 });
    expect((await f.ctx.rounds.selectedIds(f.project.id)).sort()).toEqual([...coldStart].sort());
    expect(await validationSet(f.ctx, f.project.id)).toMatchObject({ size: 6, labelled: 0, cases: choice.cases });
    const audit = await f.ctx.audit.list({ projectId: f.project.id });
    expect(audit[0]).toMatchObject({ actor: 'admin', action: 'validation.choose', details: { size: 6, added: 6, round: 0 } });
  });

  it('grows, keeping the cases it has, and never shrinks', async () => {
    const before = (await validationSet(f.ctx, f.project.id)).cases.map((c) => c.sopUid);
    await f.label(before[0]!);
    const grown = await chooseValidationSet(f.ctx, 'admin', f.project.id, { size: 10 });
    expect(grown).toMatchObject({ size: 10, added: 4 });
    const after = grown.cases.map((c) => c.sopUid);
    expect(after.slice(0, 6)).toEqual(before);
    expect(new Set([...after, ...coldStart]).size).toBe(16);
    expect(grown.cases.map((c) => c.rank)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(await validationSet(f.ctx, f.project.id)).toMatchObject({ size: 10, labelled: 1 });
    expect(await chooseValidationSet(f.ctx, 'admin', f.project.id, { size: 10 })).toMatchObject({ size: 10, added: 0, strata: 0 });
    await expect(chooseValidationSet(f.ctx, 'admin', f.project.id, { size: 9 })).rejects.toMatchObject({ status: 409, code: 'validation-shrink' });
    await expect(chooseValidationSet(f.ctx, 'admin', f.project.id, { size: 40 })).rejects.toMatchObject({ status: 409, code: 'pool-exhausted' });
  });

  it('is the same set for the same seed and state', async () => {
    const other = await openRoundFixture(40);
    try {
      await runRound(other.roundDeps, { project: other.project, source: other.source, jobId: null });
      const a = await chooseValidationSet(other.ctx, 'admin', other.project.id, { size: 6 });
      expect(a.cases.map((c) => c.sopUid)).toEqual((await validationSet(f.ctx, f.project.id)).cases.slice(0, 6).map((c) => c.sopUid));
    } finally {
      await other.dispose();
    }
  });

  it('leaves the pool alone while a round is being computed', async () => {
    await f.ctx.jobs.enqueue('round', f.project.id);
    await expect(chooseValidationSet(f.ctx, 'admin', f.project.id, { size: 12 })).rejects.toMatchObject({ status: 409, code: 'round-running' });
  });
});
