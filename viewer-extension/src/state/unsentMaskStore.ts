import { isUnsentMask, unsentMaskKey, type UnsentMask } from './unsentMask';

/** Where unsent masks are kept across page loads. Failures are reported by rejecting. */
export interface UnsentMaskStore {
  get(projectId: number, sopUid: string): Promise<UnsentMask | null>;
  put(mask: UnsentMask): Promise<void>;
  delete(projectId: number, sopUid: string): Promise<void>;
}

const DB_NAME = 'scanselect';
const STORE = 'unsentMasks';
const VERSION = 1;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** IndexedDB database `scanselect`, object store `unsentMasks`, key `${projectId}:${sopUid}` (out-of-line). */
export class IndexedDbUnsentMaskStore implements UnsentMaskStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly factory: IDBFactory) {}

  async get(projectId: number, sopUid: string): Promise<UnsentMask | null> {
    const value: unknown = await this.run('readonly', (store) => store.get(unsentMaskKey(projectId, sopUid)));
    return isUnsentMask(value) ? value : null;
  }

  async put(mask: UnsentMask): Promise<void> {
    await this.run('readwrite', (store) => store.put(mask, unsentMaskKey(mask.projectId, mask.sopUid)));
  }

  async delete(projectId: number, sopUid: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(unsentMaskKey(projectId, sopUid)));
  }

  private async run<T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    const tx = db.transaction(STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    const [result] = await Promise.all([request(op(tx.objectStore(STORE))), done]);
    return result;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = this.factory.open(DB_NAME, VERSION);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    }).catch((error: unknown) => {
      this.db = null;
      throw error;
    });
    return this.db;
  }
}

/** The browser's IndexedDB store, or null where there is none (privacy modes, node tests). */
export function browserUnsentMaskStore(): UnsentMaskStore | null {
  try {
    return typeof indexedDB === 'undefined' ? null : new IndexedDbUnsentMaskStore(indexedDB);
  } catch {
    return null;
  }
}
