import { ScanSelectApp } from '../app/ScanSelectApp';
import { installNotificationFilter } from '../ohif/notificationFilter';
import type { OhifContext } from '../ohif/ohifTypes';
import { setApp } from './appHolder';

/** Diagnostics for people (and the end-to-end test) at the browser console: state and painted pixels. */
export interface ScanSelectDiagnostics {
  state(): unknown;
  labelCounts(): Record<number, number>;
  imageToClient(i: number, j: number): [number, number] | null;
}

declare global {
  interface Window {
    __scanselect?: ScanSelectDiagnostics;
  }
}

/**
 * Runs once when OHIF registers the extension: creates the app (API base from
 * `window.config.scanselect.apiBase`, token from sessionStorage), makes every DICOMweb request
 * of the viewer carry the ScanSelect token (the server's proxy needs it), and loads the
 * projects if a token is stored.
 */
export function preRegistration(context: OhifContext): void {
  const apiBase = context.appConfig?.scanselect?.apiBase ?? '';
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  const app = new ScanSelectApp(context, { apiBase, storage });
  setApp(app);
  // Called on every request, so a token entered later (or rotated) is used from then on.
  context.servicesManager.services.userAuthenticationService.setServiceImplementation({ getAuthorizationHeader: () => app.authorizationHeader() });
  // The series of a ScanSelect case is always in its study; OHIF's warning comes from the display
  // set it creates for the new segmentation (see ohif/notificationFilter).
  installNotificationFilter(context.servicesManager.services.uiNotificationService, (n) => n.title === 'Series filter' && app.state.openCase !== null && n.message.includes(app.state.openCase.seriesUid));
  window.__scanselect = { state: () => app.state, labelCounts: () => app.caseWorkflow.labelCounts(), imageToClient: (i, j) => app.caseWorkflow.imageToClient(i, j) };
  void app.start();
}
