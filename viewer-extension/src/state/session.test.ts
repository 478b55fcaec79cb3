import { Session, type KeyValueStorage } from './session';

class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

describe('Session', () => {
  it('keeps token, project and name, and sign-out forgets token and name but not the project', () => {
    const storage = new MemoryStorage();
    const session = new Session(storage);
    session.token = 'abc';
    session.projectId = 2;
    session.me = 'Dr A';
    const again = new Session(storage);
    expect([again.token, again.projectId, again.me]).toEqual(['abc', 2, 'Dr A']);
    again.clear();
    expect([again.token, again.projectId, again.me]).toEqual([null, 2, null]);
  });

  it('treats a storage that throws, or none, as empty', () => {
    const throwing: KeyValueStorage = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); }, removeItem: () => undefined };
    const session = new Session(throwing);
    session.token = 'x';
    expect(session.token).toBeNull();
    expect(new Session(null).projectId).toBeNull();
  });
});
