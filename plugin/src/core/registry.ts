import { RegistryError } from './errors';

/** Something a registry can hold: a kebab-case id and a one-line description. */
export interface Registrable {
  readonly id: string;
  readonly description: string;
}

const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A typed plug-in registry (strategies, projections, later encoders and models). Ids are
 * kebab-case; registering an id twice throws; looking up an unknown id throws naming the valid
 * ones; `list()` describes the entries for `--help` and `/api/info`.
 */
export class Registry<T extends Registrable> {
  private readonly entries = new Map<string, T>();

  constructor(readonly kind: string) {}

  register(entry: T): this {
    if (!KEBAB_CASE.test(entry.id)) throw new RegistryError(this.kind, `${this.kind} id "${entry.id}" is not kebab-case`);
    if (this.entries.has(entry.id)) throw new RegistryError(this.kind, `${this.kind} "${entry.id}" is already registered`);
    this.entries.set(entry.id, entry);
    return this;
  }

  get(id: string): T {
    const entry = this.entries.get(id);
    if (!entry) throw new RegistryError(this.kind, `unknown ${this.kind} "${id}"; valid: ${this.ids().join(', ')}`);
    return entry;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  list(): Array<{ id: string; description: string }> {
    return [...this.entries.values()].map(({ id, description }) => ({ id, description }));
  }
}
