/**
 * Headless Chromium for the viewer's end-to-end tests: Debian's `chromium` driven by
 * playwright-core (no browser download), a fresh profile per run, screenshots numbered by step
 * under out/test-artifacts/<name>/, the page's console kept for failure messages, and a page
 * object for the ScanSelect viewer (OHIF + the extension) so that tests read as steps.
 *
 * Install: `apt-get install -y chromium` (done by `.ci/run`); the OHIF app with
 * `node scripts/fetchOhif.js`. Without either, {@link browserAvailable} says why and tests skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const REPO = path.resolve(__dirname, '..', '..');
/** The real binary first: Debian's /usr/bin/chromium is a wrapper script. */
export const CHROMIUM_CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];
export const OHIF_INDEX = path.join(REPO, 'viewer-extension', 'vendor', 'ohif', 'index.html');
export const ARTIFACTS = path.join(REPO, 'out', 'test-artifacts');

export function chromiumPath(): string | null {
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Null when the browser tests can run, else the reason they cannot. */
export function browserUnavailableReason(): string | null {
  if (!chromiumPath()) return `Chromium is not installed (${CHROMIUM_CANDIDATES.join(' or ')}): apt-get install -y chromium`;
  if (!existsSync(OHIF_INDEX)) return `the OHIF viewer is not fetched (${path.relative(REPO, OHIF_INDEX)}): node scripts/fetchOhif.js`;
  return null;
}

export function browserAvailable(): boolean {
  return browserUnavailableReason() === null;
}

/** Builds viewer-extension/dist (the bundles the server serves); about a second. */
export function buildViewerExtension(): void {
  execFileSync(process.execPath, [path.join(REPO, 'viewer-extension', 'build.js')], { stdio: 'pipe' });
}

/** A browser with one page, its console, and numbered screenshots. */
export class BrowserSession {
  readonly console: string[] = [];
  private shot = 0;

  private constructor(readonly context: BrowserContext, readonly page: Page, private readonly profile: string, readonly artifacts: string) {
    page.on('console', (m) => this.console.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => this.console.push(`[pageerror] ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) this.console.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`);
    });
  }

  /** Launches Chromium headless with a fresh profile; screenshots go to out/test-artifacts/<name>/ (emptied first). */
  static async launch(name: string): Promise<BrowserSession> {
    const executablePath = chromiumPath();
    if (!executablePath) throw new Error(browserUnavailableReason() ?? 'no Chromium');
    const profile = mkdtempSync(path.join(os.tmpdir(), 'scanselect-chromium-'));
    const artifacts = path.join(ARTIFACTS, name);
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    // The profile directory is set by launchPersistentContext (Playwright refuses --user-data-dir in args).
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return new BrowserSession(context, page, profile, artifacts);
  }

  /** Saves a full-page screenshot as NN-<step>.png and answers its path. */
  async screenshot(step: string): Promise<string> {
    this.shot++;
    const file = path.join(this.artifacts, `${String(this.shot).padStart(2, '0')}-${step}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Writes the page's console to the artifacts (for a failing run) and closes the browser. */
  async close(): Promise<void> {
    writeFileSync(path.join(this.artifacts, 'console.log'), this.console.join('\n') + '\n');
    await this.context.close().catch(() => undefined);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** What the extension's diagnostics handle answers (window.__scanselect.state()). */
export interface ViewerState {
  readonly signedIn: boolean;
  readonly openCase: { readonly sopUid: string; readonly item: { readonly round: number; readonly status: string } | null } | null;
  readonly mask: {
    readonly phase: string; readonly message: string | null; readonly canRetry: boolean; readonly prediction: string; readonly unsent: { readonly error: string; readonly savedAt: number } | null;
    /** The classes as the mask editor paints them (RGBA). */
    readonly segments: ReadonlyArray<{ readonly segmentIndex: number; readonly label: string; readonly color: readonly number[] }>;
  };
  readonly overlay: { readonly phase: string; readonly message: string | null };
  readonly project: { readonly latestRound: { readonly number: number } | null } | null;
  readonly worklist: ReadonlyArray<{ readonly sopUid: string; readonly round: number; readonly rank: number; readonly status: string }>;
  readonly notice: { readonly kind: string; readonly text: string } | null;
}

/** A rectangle in page CSS pixels. */
export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** Pixel statistics of a canvas read back with getImageData. */
export interface CanvasStats {
  readonly width: number;
  readonly height: number;
  /** Pixels with any non-zero colour channel. */
  readonly nonZero: number;
  /** Pixels with alpha > 0. */
  readonly opaque: number;
  /** Opaque pixels whose channels differ (colour, not grey). */
  readonly coloured: number;
  /** Distinct grey levels (R of pixels with R = G = B). */
  readonly greyLevels: number;
}

// The browser side of page.evaluate: the globals used there, typed for this Node-side file.
interface Canvas2d { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }
interface CanvasLike { width: number; height: number; getContext(kind: '2d'): Canvas2d | null; getBoundingClientRect(): { left: number; top: number; width: number; height: number } }
interface BrowserGlobals {
  __scanselect?: { state(): ViewerState; labelCounts(): Record<number, number>; imageToClient(i: number, j: number): [number, number] | null };
  document: { querySelector(selector: string): CanvasLike | null };
}

interface IdbRequestLike<T> { result: T; onsuccess: (() => void) | null; onerror: (() => void) | null }
interface IdbLike {
  open(name: string): IdbRequestLike<{
    objectStoreNames: { contains(name: string): boolean };
    transaction(store: string, mode: 'readonly'): { objectStore(name: string): { getAllKeys(): IdbRequestLike<unknown[]> } };
    close(): void;
  }>;
}

/** The ScanSelect viewer as a test sees it: steps a radiologist takes, and read-backs. */
export class ViewerPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded' });
  }

  /** Signs in through the dialog shown while no token is stored; waits for the worklist panel to fill. */
  async signIn(token: string): Promise<void> {
    await this.page.getByTestId('scanselect-dialog-token').fill(token);
    await this.page.getByTestId('scanselect-dialog-sign-in').click();
    await this.page.getByTestId('scanselect-worklist-row').first().waitFor({ timeout: 120_000 });
  }

  async waitForSignInDialog(): Promise<void> {
    await this.page.getByTestId('scanselect-dialog-token').waitFor({ timeout: 120_000 });
  }

  state(): Promise<ViewerState> {
    return this.page.evaluate(() => (globalThis as unknown as BrowserGlobals).__scanselect!.state());
  }

  labelCounts(): Promise<Record<number, number>> {
    return this.page.evaluate(() => (globalThis as unknown as BrowserGlobals).__scanselect!.labelCounts());
  }

  /** Waits until `predicate` holds for the extension's state (polled in the page). */
  async waitForState(description: string, predicate: string, timeout = 120_000): Promise<void> {
    try {
      await this.page.waitForFunction(`(() => { const s = window.__scanselect && window.__scanselect.state(); return !!s && (${predicate}); })()`, null, { timeout, polling: 250 });
    } catch (error) {
      const state = await this.state().catch(() => null);
      throw new Error(`waiting for ${description}: ${(error as Error).message}\nstate: ${JSON.stringify(state && { openCase: state.openCase, mask: state.mask, overlay: state.overlay, notice: state.notice })}`);
    }
  }

  /** The worklist rows as the panel shows them. */
  async rows(): Promise<Array<{ sopUid: string; rank: number; status: string }>> {
    const rows = this.page.getByTestId('scanselect-worklist-row');
    const out: Array<{ sopUid: string; rank: number; status: string }> = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      out.push({ sopUid: (await row.getAttribute('data-sop'))!, rank: Number(await row.getAttribute('data-rank')), status: (await row.getAttribute('data-status'))! });
    }
    return out;
  }

  async text(testId: string): Promise<string> {
    return (await this.page.getByTestId(testId).first().textContent()) ?? '';
  }

  /** Clicks "Claim & open" of a case and waits until its image is shown with the mask tools ready. */
  async claimAndOpen(sopUid: string): Promise<void> {
    await this.page.locator(`[data-testid="scanselect-claim"][data-sop="${sopUid}"]`).click();
    await this.waitForCaseReady(sopUid);
  }

  async waitForCaseReady(sopUid: string, timeout = 120_000): Promise<void> {
    await this.waitForState(`case ${sopUid} ready`, `s.openCase && s.openCase.sopUid === ${JSON.stringify(sopUid)} && s.mask.phase === 'ready' && s.overlay.phase !== 'loading'`, timeout);
  }

  selectSegment(segmentIndex: number): Promise<void> {
    return this.page.locator(`[data-testid="scanselect-segment"][data-segment="${segmentIndex}"]`).click();
  }

  selectTool(tool: 'brush' | 'eraser' | 'threshold' | 'windowLevel'): Promise<void> {
    return this.page.getByTestId(`scanselect-tool-${tool}`).click();
  }

  /** Drags the mouse through image pixels (column, row) of the open case: a brush stroke. */
  async stroke(points: ReadonlyArray<readonly [number, number]>): Promise<void> {
    const client: Array<[number, number]> = [];
    for (const [i, j] of points) {
      const at = await this.page.evaluate(([a, b]) => (globalThis as unknown as BrowserGlobals).__scanselect!.imageToClient(a, b), [i, j] as const);
      if (!at) throw new Error('the case\'s image is not shown');
      client.push(at);
    }
    await this.page.mouse.move(client[0]![0], client[0]![1]);
    await this.page.mouse.down();
    for (const [x, y] of client.slice(1)) await this.page.mouse.move(x, y, { steps: 2 });
    await this.page.mouse.up();
  }

  /** Moves the brush-radius slider (mm) as a user would, firing its input event. */
  async setBrushSize(mm: number): Promise<void> {
    await this.page.getByTestId('scanselect-brush-size').evaluate((element, value) => {
      const input = element as unknown as { value: string; dispatchEvent(event: unknown): boolean };
      input.value = String(value);
      const EventClass = (globalThis as unknown as { Event: new (type: string) => unknown }).Event;
      input.dispatchEvent(new EventClass('input'));
    }, mm);
  }

  /** Clicks "Start from the model's prediction" and waits until the prediction is in the mask (or refused, with the reason). */
  async startFromPrediction(): Promise<void> {
    await this.page.getByTestId('scanselect-prediction').click();
    await this.waitForState('the prediction written into the mask', `s.mask.prediction === 'available' && s.mask.message !== null`);
  }

  /** Shows or hides the uncertainty overlay with its checkbox. */
  async setOverlayVisible(visible: boolean): Promise<void> {
    await this.page.getByTestId('scanselect-overlay-toggle').setChecked(visible);
  }

  submit(): Promise<void> {
    return this.page.getByTestId('scanselect-submit').click();
  }

  retry(): Promise<void> {
    return this.page.getByTestId('scanselect-retry').click();
  }

  /** Reloads the page (same URL, same tab: the sessionStorage token stays). */
  async reload(): Promise<void> {
    await this.page.reload({ waitUntil: 'domcontentloaded' });
  }

  /** The keys of the unsent masks kept in the page's IndexedDB (database `scanselect`, store `unsentMasks`). */
  unsentMaskKeys(): Promise<string[]> {
    return this.page.evaluate(() => new Promise<string[]>((resolve, reject) => {
      const idb = (globalThis as unknown as { indexedDB: IdbLike }).indexedDB;
      const open = idb.open('scanselect');
      open.onerror = () => reject(new Error('IndexedDB could not be opened'));
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('unsentMasks')) return resolve([]);
        const req = db.transaction('unsentMasks', 'readonly').objectStore('unsentMasks').getAllKeys();
        req.onerror = () => reject(new Error('reading the keys failed'));
        req.onsuccess = () => {
          db.close();
          resolve(req.result.map(String));
        };
      };
    }));
  }

  /** Read-back of the first canvas matching `selector` (the image: `canvas.cornerstone-canvas`). */
  canvasStats(selector: string): Promise<CanvasStats | null> {
    return this.page.evaluate((sel) => {
      const canvas = (globalThis as unknown as BrowserGlobals).document.querySelector(sel);
      const g = canvas?.getContext('2d');
      if (!canvas || !g || canvas.width === 0 || canvas.height === 0) return null;
      const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
      let nonZero = 0;
      let opaque = 0;
      let coloured = 0;
      const greys = new Set<number>();
      for (let i = 0; i < d.length; i += 4) {
        const [r, gr, b, a] = [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!];
        if (r || gr || b) nonZero++;
        if (a > 0) {
          opaque++;
          if (r !== gr || gr !== b) coloured++;
          else greys.add(r);
        }
      }
      return { width: canvas.width, height: canvas.height, nonZero, opaque, coloured, greyLevels: greys.size };
    }, selector);
  }

  /**
   * Where the overlay's opaque pixels are and where the image is, both in page CSS pixels (the
   * image's outer pixel edges from the viewport's image → canvas mapping, clipped to the overlay
   * canvas): an aligned overlay covers exactly the image.
   */
  overlayAlignment(imageColumns: number, imageRows: number): Promise<{ overlay: Rect | null; image: Rect } | null> {
    return this.page.evaluate(([columns, rows]) => {
      const g = globalThis as unknown as BrowserGlobals;
      const canvas = g.document.querySelector('canvas.scanselect-uncertainty-overlay');
      const context = canvas?.getContext('2d');
      const a = g.__scanselect!.imageToClient(-0.5, -0.5);
      const b = g.__scanselect!.imageToClient(columns - 0.5, rows - 0.5);
      if (!canvas || !context || !a || !b) return null;
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const d = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let y = 0; y < canvas.height; y++) {
        for (let x = 0; x < canvas.width; x++) {
          if (d[4 * (y * canvas.width + x) + 3] === 0) continue;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x + 1);
          y1 = Math.max(y1, y + 1);
        }
      }
      const clip = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
      const image = {
        left: clip(Math.min(a[0], b[0]), box.left, box.left + box.width),
        top: clip(Math.min(a[1], b[1]), box.top, box.top + box.height),
        right: clip(Math.max(a[0], b[0]), box.left, box.left + box.width),
        bottom: clip(Math.max(a[1], b[1]), box.top, box.top + box.height),
      };
      const overlay = x1 < 0 ? null : { left: box.left + x0 / scale, top: box.top + y0 / scale, right: box.left + x1 / scale, bottom: box.top + y1 / scale };
      return { overlay, image };
    }, [imageColumns, imageRows] as const);
  }

  /** The case the embedding map highlights as open, or null. */
  async mapHighlight(): Promise<string | null> {
    const open = this.page.getByTestId('scanselect-map-open');
    return (await open.count()) > 0 ? open.first().getAttribute('data-sop') : null;
  }
}
