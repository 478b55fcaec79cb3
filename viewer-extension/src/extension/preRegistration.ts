import type { MeView } from '@scanselect/server';
import { ScanSelectApp } from '../app/ScanSelectApp';
import { authModeOf } from '../state/authSource';
import { installNotificationFilter } from '../ohif/notificationFilter';
import type { OhifContext } from '../ohif/ohifTypes';
import { setApp } from './appHolder';

/** Diagnostics for people (and the end-to-end test) at the browser console: state, who the server says is signed in, painted pixels. */
export interface ScanSelectDiagnostics {
  state(): unknown;
  /** `GET /api/me` with the extension's bearer token of the moment (API token or the IdP's access token). */
  me(): Promise<MeView>;
  labelCounts(): Record<number, number>;
  imageToClient(i: number, j: number): [number, number] | null;
  /** The open case's place in the viewport's stack (1-based), as the viewer shows it. */
  stackPosition(): { position: number; count: number } | null;
}

declare global {
  interface Window {
    __scanselect?: ScanSelectDiagnostics;
  }
}

/**
 * Runs once when OHIF registers the extension: creates the app (API base from
 * `window.config.scanselect.apiBase`; sign-in by API token from sessionStorage, or by the
 * identity provider when `window.config.scanselect.auth` is `oidc`). With an API token, every
 * DICOMweb request of the viewer is made to carry it (the server's proxy needs it); with OIDC,
 * OHIF's own OpenID Connect routes already send the user's access token, so nothing is replaced.
 * Then the projects are loaded once there is a token.
 */
export function preRegistration(context: OhifContext): void {
  const apiBase = context.appConfig?.scanselect?.apiBase ?? '';
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  const auth = authModeOf(context.appConfig);
  const app = new ScanSelectApp(context, { apiBase, storage, auth });
  setApp(app);
  // Called on every request, so a token entered later (or rotated) is used from then on.
  if (auth === 'token') context.servicesManager.services.userAuthenticationService.setServiceImplementation({ getAuthorizationHeader: () => app.authorizationHeader() });
  // The series of a ScanSelect case is always in its study; OHIF's warning comes from the display
  // set it creates for the new segmentation (see ohif/notificationFilter).
  installNotificationFilter(context.servicesManager.services.uiNotificationService, (n) => n.title === 'Series filter' && app.state.openCase !== null && n.message.includes(app.state.openCase.seriesUid));
  window.__scanselect = { state: () => app.state, me: () => app.client.me(), labelCounts: () => app.caseWorkflow.labelCounts(), imageToClient: (i, j) => app.caseWorkflow.imageToClient(i, j), stackPosition: () => app.caseWorkflow.stackPosition() };
  void app.start();
}
