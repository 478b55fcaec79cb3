import type { ScanSelectApp } from '../app/ScanSelectApp';

let current: ScanSelectApp | null = null;

/** The page's one ScanSelect app, created by preRegistration. */
export function getApp(): ScanSelectApp {
  if (!current) throw new Error('ScanSelect extension used before its preRegistration ran');
  return current;
}

export function setApp(app: ScanSelectApp): void {
  current = app;
}
