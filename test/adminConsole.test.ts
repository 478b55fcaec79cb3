/**
 * The admin console end to end, in headless Chromium against the real server (folder source of
 * phantom chest radiographs, jobs in the server's process): an annotator is refused; the admin
 * signs in by keyboard; creates a project; runs its sync and cold start from the console; sets
 * trains a site encoder from the overview and finds it offered for a new project; sets
 * a budget below what is used and sees the field error; chooses a validation set; changes α and
 * sees it in the next round; watches a round run live; sees the learning curve with two points
 * after the annotator (scripted through the API) labels; cancels a running round and retries it;
 * issues a token, signs in to the viewer with it (which paints the classes in the admin's
 * colours), revokes it and sees the viewer refuse it; downloads the export and checks its
 * contents; finds the export in the audit log. Every page is checked at 1280 px for
 * horizontal overflow and unlabelled form controls. Screenshots in out/test-artifacts/admin-console/.
 * Skipped, with the reason, without Chromium or the fetched OHIF app (the viewer step).
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { readPng } from '@scanselect/plugin';
import { writePhantomDataset, type PhantomCase } from '../server/src/demo/phantomDataset';
import { BrowserSession, browserUnavailableReason, buildViewerExtension, ViewerPage } from './harness/browser';
import { AdminConsolePage, buildAdminConsole } from './harness/adminConsolePage';
import { startTestServer, type TestServer } from './harness/serverHarness';

const reason = browserUnavailableReason();
if (reason) process.stderr.write(`adminConsole.test.ts skipped: ${reason}\n`);
const withBrowser = reason ? describe.skip : describe;
jest.setTimeout(300_000);

const SIZE = 64;
const COUNT = 20;

interface Item { sopUid: string; studyUid: string; status: string; round: number; validation?: boolean }

withBrowser('the admin console in Chromium against the server', () => {
  let t: TestServer;
  let browser: BrowserSession;
  let admin: AdminConsolePage;
  let phantoms: Map<string, PhantomCase>;

  /** The scripted radiologist: claims and labels (ground truth as a PNG label map) every open case. */
  const labelOpen = async (): Promise<number> => {
    const open = (await t.call('GET', '/api/projects/1/worklist?all=true&status=open', { role: 'annotator' })).json as Item[];
    for (const item of open) {
      expect((await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
      const truth = await fs.readFile(phantoms.get(item.sopUid)!.truthFile);
      expect((await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: truth, type: 'image/png' })).status).toBe(201);
    }
    return open.length;
  };

  beforeAll(async () => {
    buildViewerExtension();
    buildAdminConsole();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-admin-'));
    const cases = await writePhantomDataset(path.join(dir, 'phantoms'), COUNT, 7, SIZE);
    phantoms = new Map(cases.map((c) => [c.sopUid, c]));
    t = await startTestServer({ sources: { phantoms: { kind: 'folder', path: 'phantoms/dicom' } } }, { dir });
    browser = await BrowserSession.launch('admin-console');
    await browser.page.setViewportSize({ width: 1280, height: 900 });
    admin = new AdminConsolePage(browser.page, t.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  it('refuses an annotator with a clear page', async () => {
    await admin.open();
    await admin.signIn(t.token.annotator);
    await admin.page.getByRole('heading', { name: 'Admins only' }).waitFor();
    expect(await admin.page.getByRole('alert').textContent()).toContain('annotator');
    await browser.screenshot('refused-annotator');
    await admin.page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('signs an admin in by keyboard alone', async () => {
    await admin.page.getByLabel('API token').waitFor();
    await admin.page.keyboard.press('Tab'); // the skip link is not there yet: the first stop is the token field
    await admin.page.getByLabel('API token').focus();
    await admin.page.keyboard.type(t.token.admin);
    await admin.page.keyboard.press('Enter');
    await admin.page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await admin.checkPage('projects-empty');
    await browser.screenshot('projects-empty');
  });

  it('creates a project with two classes and their colours', async () => {
    await admin.page.getByRole('link', { name: 'New project' }).click();
    const form = admin.page.locator('form.settings');
    await form.getByLabel('Name', { exact: true }).fill('chest demo');
    await form.getByLabel('Class 1 name').fill('right lung');
    await form.getByRole('button', { name: 'Add class' }).click();
    await form.getByLabel('Class 2 name').fill('left lung');
    await form.getByLabel('Class 2 colour').fill('#00aa55');
    await admin.fill({ 'Cold start B₀': '4', 'Per round A': '2', 'Total B': '10', 'Encoder input size (px)': '64', 'Input size (px)': '32', Epochs: '30', Depth: '2', 'Base channels': '4' });
    await form.getByLabel('2-D projection').selectOption('pca');
    await admin.checkPage('new-project');
    await browser.screenshot('new-project');
    await form.getByRole('button', { name: 'Create project' }).click();
    await admin.page.getByRole('heading', { name: /chest demo/, level: 1 }).waitFor();
    const project = (await t.call('GET', '/api/projects/1', { role: 'admin' })).json as { settings: { classes: string[]; classColors: string[]; model: { epochs: number } } };
    expect(project.settings.classes).toEqual(['right lung', 'left lung']);
    expect(project.settings.classColors[1]).toBe('#00aa55');
    expect(project.settings.model.epochs).toBe(30);
  });

  it('syncs and runs the cold start from the overview', async () => {
    await admin.page.getByRole('button', { name: 'Sync now' }).first().click();
    await admin.page.getByText(`${COUNT} embedded`).waitFor({ timeout: 120_000 });
    await admin.page.getByRole('button', { name: 'Queue a round' }).click();
    await admin.page.getByText(/^0: 0 of 4 labelled/).waitFor({ timeout: 120_000 });
    await admin.checkPage('overview');
    await browser.screenshot('overview-after-cold-start');
  });

  it('trains a site encoder from the overview and offers it to a new project', async () => {
    await admin.page.getByRole('button', { name: 'Train a site encoder' }).click();
    await admin.page.locator('li.job', { hasText: 'train-encoder job' }).first().waitFor({ timeout: 60_000 });
    const deadline = Date.now() + 240_000;
    let encoders: Array<{ name: string; images: number }> = [];
    while (encoders.length === 0 && Date.now() < deadline) {
      encoders = (await t.call('GET', '/api/site-encoders', { role: 'admin' })).json;
      if (encoders.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(encoders).toEqual([expect.objectContaining({ name: expect.stringMatching(/^site-1-[0-9a-f]{12}$/), images: COUNT })]);
    await admin.nav('Projects');
    await admin.page.getByRole('link', { name: 'New project' }).click();
    const model = admin.page.getByLabel(/^Model \(tfjs-model/);
    await model.selectOption(encoders[0]!.name);
    await admin.page.getByLabel('Encoder', { exact: true }).selectOption('intensity-texture+self-supervised');
    await admin.checkPage('new-project-site-encoder');
    await admin.nav('Projects');
    await admin.page.getByRole('link', { name: 'chest demo' }).click();
    await admin.page.getByRole('heading', { name: /chest demo/, level: 1 }).waitFor();
  });

  it('shows the server\'s error beside the total budget when it is set below what is used', async () => {
    await admin.tab('Settings');
    const total = admin.page.getByLabel('Total B');
    await total.fill('3');
    await admin.page.getByRole('button', { name: 'Save changes' }).click();
    const error = admin.page.locator('#f-budget-total-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('4 cases are already selected');
    expect(await total.getAttribute('aria-invalid')).toBe('true');
    expect(await total.getAttribute('aria-describedby')).toContain('f-budget-total-error');
    await browser.screenshot('budget-field-error');
    await total.fill('10');
  });

  it('changes α; chooses a stratified validation set', async () => {
    await admin.page.getByLabel('α (diversity weight, eq. 10)').fill('0.7');
    await admin.page.getByRole('button', { name: 'Save changes' }).click();
    await admin.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(((await t.call('GET', '/api/projects/1', { role: 'admin' })).json as { settings: { alpha: number } }).settings.alpha).toBe(0.7);
    await admin.tab('Learning curve');
    await admin.page.getByLabel('Validation set size').fill('4');
    await admin.page.getByRole('button', { name: 'Choose validation cases' }).click();
    await admin.page.getByText('4 cases, 0 labelled.').waitFor();
    const validation = ((await t.call('GET', '/api/projects/1/worklist?all=true', { role: 'admin' })).json as Item[]).filter((i) => i.validation);
    expect(validation).toHaveLength(4);
  });

  it('watches round 1 run live, with the new α', async () => {
    await admin.tab('Rounds');
    await admin.page.getByText('Live: job progress').waitFor();
    const seen = admin.page.locator('li.job', { hasText: 'round job' }).first().waitFor({ timeout: 120_000 });
    expect(await labelOpen()).toBe(8); // 4 cold-start cases + 4 validation cases: the quota queues round 1
    await seen;
    await browser.screenshot('round-running');
    const row = admin.page.getByRole('row', { name: /^1 active learning/ });
    await row.waitFor({ timeout: 180_000 });
    expect(await row.getByRole('cell').nth(4).textContent()).toBe('0.7'); // α column
    await admin.page.getByRole('button', { name: 'Map of round 1' }).click();
    await admin.page.getByRole('img', { name: /^Embedding map of round 1: / }).waitFor();
    await admin.checkPage('rounds');
    await browser.screenshot('rounds');
  });

  it('plots the learning curve with a point per scored round after the annotator labels', async () => {
    expect(await labelOpen()).toBe(2); // round 1's cases: round 2 is queued
    await admin.page.getByRole('row', { name: /^2 active learning/ }).waitFor({ timeout: 180_000 });
    await admin.tab('Learning curve');
    const rows = admin.page.locator('table.curve-table tbody tr');
    await rows.nth(1).waitFor({ timeout: 60_000 });
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    expect(await admin.page.getByTestId('curve-chart').locator('canvas').count()).toBe(1);
    await admin.checkPage('learning-curve');
    await browser.screenshot('learning-curve');
  });

  it('cancels a running round and retries it', async () => {
    // Long enough to be cancelled by hand whatever the machine's load; the retry runs short again.
    expect((await t.call('PATCH', '/api/projects/1', { role: 'admin', json: { model: { epochs: 1000 } } })).status).toBe(200);
    await admin.tab('Overview');
    await admin.page.getByRole('button', { name: 'Queue a round' }).click();
    const cancel = admin.page.getByRole('button', { name: /^Cancel job \d+$/ });
    await admin.page.locator('li.job', { hasText: 'running' }).waitFor({ timeout: 60_000 });
    await browser.screenshot('round-to-cancel');
    await cancel.click();
    const failed = admin.page.getByRole('row', { name: /round .* cancelled by admin tester/ });
    await failed.waitFor({ timeout: 60_000 });
    expect((await t.call('GET', '/api/projects/1/rounds', { role: 'admin' })).json).toHaveLength(3); // nothing stored
    expect((await t.call('PATCH', '/api/projects/1', { role: 'admin', json: { model: { epochs: 30 } } })).status).toBe(200);
    await failed.getByRole('button', { name: /^Retry job \d+$/ }).click();
    await admin.page.getByText(/^3: 0 of 2 labelled/).waitFor({ timeout: 180_000 });
    const jobs = ((await t.call('GET', '/api/jobs?project=1', { role: 'admin' })).json as Array<{ kind: string; state: string; error: string | null }>).filter((j) => j.kind === 'round');
    expect(jobs.filter((j) => j.state === 'failed').map((j) => j.error)).toEqual(['cancelled by admin tester']);
    await browser.screenshot('round-retried');
  });

  it('issues a token shown once; revoking it makes the viewer refuse its holder', async () => {
    await admin.nav('People and access');
    await admin.page.getByLabel('Name', { exact: true }).fill('Dr Temp');
    await admin.page.getByLabel('Role').selectOption('annotator');
    await admin.page.getByRole('button', { name: 'Issue token' }).click();
    const issued = await admin.page.getByTestId('issued-token').inputValue();
    expect(issued).toMatch(/^ss_/);
    await admin.checkPage('people');
    await browser.screenshot('token-issued');

    const study = ((await t.call('GET', '/api/projects/1/worklist?status=open', { role: 'annotator' })).json as Item[])[0]!.studyUid;
    const viewerPage = await browser.context.newPage();
    const viewer = new ViewerPage(viewerPage);
    await viewer.open(`${t.url}/viewer/scanselect?StudyInstanceUIDs=${study}&project=1`);
    await viewer.waitForSignInDialog();
    await viewer.signIn(issued);
    // The viewer paints each class in the colour the admin gave it.
    const open = ((await t.call('GET', '/api/projects/1/worklist?status=open', { role: 'admin' })).json as Item[])[0]!;
    await viewer.claimAndOpen(open.sopUid);
    expect((await viewer.state()).mask.segments.map((x) => [x.label, [...x.color]])).toEqual([['right lung', [230, 159, 0, 255]], ['left lung', [0, 170, 85, 255]]]);
    await viewerPage.screenshot({ path: path.join(browser.artifacts, 'viewer-class-colours.png') });

    admin.page.once('dialog', (d) => void d.accept());
    await admin.page.getByRole('button', { name: 'Revoke Dr Temp' }).click();
    await admin.page.getByRole('row', { name: /Dr Temp annotator/ }).getByRole('cell').nth(2).filter({ hasNotText: 'active' }).waitFor();
    expect((await t.call('GET', '/api/me', { token: issued })).status).toBe(401);

    await viewerPage.reload({ waitUntil: 'domcontentloaded' });
    await viewer.waitForSignInDialog();
    await viewerPage.getByText('The stored token is no longer accepted').waitFor();
    await viewerPage.screenshot({ path: path.join(browser.artifacts, 'viewer-refused-after-revoke.png') });
    await viewerPage.close();
  });

  it('downloads the labelled data set and the export is in the audit log', async () => {
    await admin.page.goto(`${t.url}/admin#/projects/1/export`);
    await admin.page.getByRole('heading', { name: 'Export the labelled data set' }).waitFor();
    const download = admin.page.waitForEvent('download');
    await admin.page.getByRole('button', { name: 'Download the labelled data set' }).click();
    const file = await (await download).path();
    const zip = unzipSync(new Uint8Array(await fs.readFile(file)));
    const labelled = ((await t.call('GET', '/api/projects/1/worklist?all=true&status=labelled', { role: 'admin' })).json as Item[]);
    const manifest = strFromU8(zip['manifest.csv']!).trim().split('\n');
    expect(manifest[0]).toContain('annotator');
    expect(manifest).toHaveLength(labelled.length + 1);
    const images = Object.keys(zip).filter((k) => k.startsWith('images/'));
    const masks = Object.keys(zip).filter((k) => k.startsWith('masks/'));
    const segs = Object.keys(zip).filter((k) => k.startsWith('seg/'));
    expect([images.length, masks.length, segs.length]).toEqual([labelled.length, labelled.length, labelled.length]);
    expect(strFromU8(zip[segs[0]!]!.subarray(128, 132))).toBe('DICM');
    const mask = readPng(Buffer.from(zip[masks[0]!]!));
    expect([mask.width, mask.height]).toEqual([SIZE, SIZE]);
    expect(new Set(mask.data).size).toBeGreaterThan(1);
    await browser.screenshot('export');

    await admin.nav('People and access');
    await admin.page.getByLabel('Action').selectOption('export.dataset');
    await admin.page.getByRole('cell', { name: 'export.dataset' }).first().waitFor();
    await browser.screenshot('audit-export');
  });

  it('shows deliveries and data health', async () => {
    await admin.nav('Deliveries');
    await admin.page.getByRole('heading', { name: 'Outbox' }).waitFor();
    await admin.checkPage('deliveries');
    await admin.page.goto(`${t.url}/admin#/projects/1/data`);
    await admin.page.getByRole('definition').filter({ hasText: new RegExp(`^${COUNT}$`) }).first().waitFor(); // Embedded: every phantom
    await admin.checkPage('data-health');
    await browser.screenshot('data-health');
  });
});
