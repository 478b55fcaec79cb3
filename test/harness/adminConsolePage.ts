/**
 * The admin console as a test sees it: sign in, go to a page or tab, fill labelled fields, and
 * the checks every page gets — no horizontal overflow at the window's width (1280 px in the
 * test) and no form control without an accessible name.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';

const REPO = path.resolve(__dirname, '..', '..');

/** Builds admin-console/dist (the bundle the server serves at /admin); about a second. */
export function buildAdminConsole(): void {
  execFileSync(process.execPath, [path.join(REPO, 'admin-console', 'build.js')], { stdio: 'pipe' });
}

export class AdminConsolePage {
  constructor(readonly page: Page, private readonly url: string) {}

  async open(): Promise<void> {
    await this.page.goto(`${this.url}/admin`, { waitUntil: 'domcontentloaded' });
  }

  async signIn(token: string): Promise<void> {
    await this.page.getByLabel('API token').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** A link of the top navigation. */
  async nav(name: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).click();
    await this.page.getByRole('heading', { level: 1, name }).or(this.page.getByRole('heading', { level: 1, name: new RegExp(name) })).first().waitFor();
  }

  /** A tab of the project page. */
  async tab(name: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name }).click();
  }

  /** Fills inputs by their label text. */
  async fill(values: Readonly<Record<string, string>>): Promise<void> {
    for (const [label, value] of Object.entries(values)) await this.page.getByLabel(label, { exact: true }).fill(value);
  }

  /** Fails naming what is wrong: content wider than the window, or controls a screen reader cannot name. */
  async checkPage(what: string): Promise<void> {
    // Runs in the page (a string: the test's TypeScript has no DOM types).
    const problems = (await this.page.evaluate(`(() => {
      const found = [];
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width + 1) found.push('content is ' + document.documentElement.scrollWidth + ' px wide in a ' + width + ' px window');
      for (const el of document.querySelectorAll('input, select, textarea, button')) {
        if (el.type === 'hidden') continue;
        const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim());
        if (!named) found.push('unnamed ' + el.tagName.toLowerCase() + (el.name ? ' "' + el.name + '"' : ''));
      }
      return found;
    })()`)) as string[];
    if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
  }
}
