/**
 * A tiny observable store: one immutable state object, `update` with a partial patch, and
 * listeners called after each change (the panels re-render from it).
 */
export class Store<S extends object> {
  private listeners = new Set<(state: S) => void>();

  constructor(private current: S) {}

  get state(): S {
    return this.current;
  }

  update(patch: Partial<S>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of [...this.listeners]) listener(this.current);
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (state: S) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
