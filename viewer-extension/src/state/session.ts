/**
 * What survives a page load within one browser tab: the bearer token (sessionStorage, never
 * localStorage: it dies with the tab), the chosen project and the user's name as the server
 * reported it in a claim. A storage that throws (privacy mode) behaves as empty.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEYS = { token: 'scanselect.token', project: 'scanselect.project', me: 'scanselect.me' } as const;

export class Session {
  constructor(private readonly storage: KeyValueStorage | null) {}

  get token(): string | null {
    return this.get(KEYS.token);
  }

  set token(value: string | null) {
    this.set(KEYS.token, value);
  }

  get projectId(): number | null {
    const v = Number(this.get(KEYS.project));
    return Number.isSafeInteger(v) && v > 0 ? v : null;
  }

  set projectId(value: number | null) {
    this.set(KEYS.project, value === null ? null : String(value));
  }

  /** The user's name as the server gives it (`GET /api/me`; what `claimedBy` shows). */
  get me(): string | null {
    return this.get(KEYS.me);
  }

  set me(value: string | null) {
    this.set(KEYS.me, value);
  }

  /** Forgets the token and the name (sign-out). */
  clear(): void {
    this.token = null;
    this.me = null;
  }

  private get(key: string): string | null {
    try {
      return this.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  private set(key: string, value: string | null): void {
    try {
      if (value === null) this.storage?.removeItem(key);
      else this.storage?.setItem(key, value);
    } catch {
      // storage unavailable: the value lives until the page is left
    }
  }
}
