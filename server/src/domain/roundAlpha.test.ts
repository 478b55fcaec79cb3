import { adaptiveAlpha, diceScores, initCompute, readPng } from '@scanselect/plugin';
import { FIXTURE_SIZE, openRoundFixture, type RoundFixture } from '../../../test/harness/roundFixture';
import { artifactKeys } from '../storage/artifactKeys';
import { roundAlpha } from './roundAlpha';
import { runRound } from './runRound';

jest.setTimeout(180_000);

/** Adaptive α in the service: three real rounds (PCA map, a 32² U-Net for one epoch) on a synthetic pool of 30. */
describe('adaptive α in the rounds', () => {
  let f: RoundFixture;
  beforeAll(async () => {
    await initCompute();
    f = await openRoundFixture(30, { alpha: 'adaptive', budget: { coldStart: 4, perRound: 4, total: 12 } });
  });
  afterAll(() => f?.dispose());

  const labelRound = async (number: number): Promise<string[]> => {
    const ids = (await f.ctx.rounds.worklist(f.project.id, { round: number })).map((i) => i.sopUid);
    for (const id of ids) await f.label(id);
    return ids;
  };

  it('uses the prior before any acquired case is labelled, then the history of the acquired cases, and says so', async () => {
    await runRound(f.roundDeps, { project: f.project, source: f.source, jobId: null });
    await labelRound(0);
    expect(await roundAlpha(f.roundDeps, f.project)).toEqual({ alpha: 0.3, note: expect.stringMatching(/^adaptive α: 0 labelled case\(s\).*too few; α = the prior 0.3$/) });
    const round1 = await runRound(f.roundDeps, { project: f.project, source: f.source, jobId: null });
    expect(round1.alpha).toBe(0.3);
    expect(round1.report.notes).toContain('adaptive α: 0 labelled case(s) with an earlier round\'s prediction: too few; α = the prior 0.3');

    // Once round 1's cases are labelled, their entropies meet their errors: the α is the rule's on exactly those.
    const acquired = await labelRound(1);
    const items = await f.ctx.rounds.worklist(f.project.id, { round: 1 });
    const history = await Promise.all(items.map(async (item) => {
      const predicted = readPng(await f.ctx.artifacts.get(artifactKeys.prediction(f.project.id, 1, item.sopUid)));
      const truth = readPng(await f.ctx.artifacts.get(artifactKeys.mask(f.project.id, item.sopUid, 'truth', 'png')));
      const map = (data: Float32Array) => ({ width: FIXTURE_SIZE, height: FIXTURE_SIZE, labels: Uint8Array.from(data) });
      return { entropy: item.entropy!, error: 1 - diceScores(map(predicted.data), map(truth.data), 2).meanForeground };
    }));
    expect(history).toHaveLength(acquired.length);
    const expected = adaptiveAlpha(history);
    const chosen = await roundAlpha(f.roundDeps, f.project);
    expect(chosen.alpha).toBeCloseTo(expected.alpha, 12);
    expect(chosen.note).toBe(`adaptive α: ${expected.reason}`);
    const round2 = await runRound(f.roundDeps, { project: f.project, source: f.source, jobId: null });
    expect(round2.alpha).toBeCloseTo(expected.alpha, 12);
  });

  it('is the fixed α of a project that sets one, with no note', async () => {
    expect(await roundAlpha(f.roundDeps, { ...f.project, settings: { ...f.project.settings, alpha: 0.7 } })).toEqual({ alpha: 0.7, note: null });
  });
});
