import type { Job, WorklistItem } from '@scanselect/server';
import { ApiError } from '../api/apiError';
import { ScanSelectClient } from '../api/scanSelectClient';
import { OHIF } from '../ids';
import type { CornerstoneLibraries, OhifContext } from '../ohif/ohifTypes';
import { bearerToken, type AuthMode, type OidcUserLike } from '../state/authSource';
import { caseFromSearch, caseRoute, type CaseRef } from '../state/caseUrl';
import { Session, type KeyValueStorage } from '../state/session';
import { Store } from '../state/store';
import { nextCase } from '../state/worklistModel';
import { showSignInDialog } from '../panels/signInDialog';
import { INITIAL_STATE, type AppState, type Notice } from './appState';
import { CaseWorkflow } from './caseWorkflow';

/** Seconds between reconnections of the event stream, and between worklist polls (other users' claims). */
const RECONNECT_MS = 3000;
const POLL_MS = 30_000;
/** How often the OHIF user is looked at while waiting for the identity provider's sign-in (or a renewed token). */
const OIDC_WAIT_MS = 250;

export interface AppOptions {
  readonly apiBase: string;
  readonly storage: KeyValueStorage | null;
  /** `token` (default): the sign-in dialog; `oidc`: OHIF's signed-in user (see state/authSource). */
  readonly auth?: AuthMode;
  readonly fetch?: typeof fetch;
}

/**
 * The extension's one controller, created in preRegistration and living as long as the page:
 * sign-in, the chosen project, its worklist and map, live job events, claiming and opening
 * cases, and (through {@link CaseWorkflow}) the open case's mask and overlay. Panels render its
 * store; commands call its methods. It outlives OHIF's mode re-entries (every opened study
 * re-enters the mode).
 */
export class ScanSelectApp {
  readonly store = new Store<AppState>(INITIAL_STATE);
  readonly client: ScanSelectClient;
  readonly session: Session;
  readonly caseWorkflow: CaseWorkflow;
  readonly auth: AuthMode;
  private liveAbort: AbortController | null = null;
  private liveProject: number | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private refreshing: Promise<void> | null = null;
  /** OIDC: waiting for the identity provider's (renewed) token, then loading the projects. */
  private awaitingOidc: Promise<void> | null = null;
  /** The page the user asked for (OHIF may redirect away from it while the proxy refuses requests). */
  private readonly entryUrl = window.location.href;

  constructor(readonly ohif: OhifContext, options: AppOptions) {
    this.session = new Session(options.storage);
    this.auth = options.auth ?? 'token';
    this.client = new ScanSelectClient({ apiBase: options.apiBase, token: () => this.currentToken(), ...(options.fetch && { fetch: options.fetch }) });
    this.caseWorkflow = new CaseWorkflow(this);
  }

  /** Cornerstone3D as the cornerstone extension hands it out. */
  cornerstone(): CornerstoneLibraries {
    const entry = this.ohif.extensionManager.getModuleEntry(OHIF.cornerstoneUtility);
    const exports = entry?.exports as { getCornerstoneLibraries?: () => CornerstoneLibraries } | undefined;
    if (!exports?.getCornerstoneLibraries) throw new Error('the OHIF cornerstone extension is not loaded');
    return exports.getCornerstoneLibraries();
  }

  /** The bearer token of the moment: the stored API token, or (OIDC) the OHIF user's access token. */
  currentToken(): string | null {
    return bearerToken(this.auth, { stored: this.session.token, user: this.auth === 'oidc' ? this.ohifUser() : null, nowSeconds: Date.now() / 1000 });
  }

  /** The header the DICOMweb data source sends in token mode (the server's proxy needs the same token). */
  authorizationHeader(): Record<string, string> {
    const token = this.currentToken();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  private ohifUser(): OidcUserLike | null {
    try {
      return (this.ohif.servicesManager.services.userAuthenticationService.getUser() as OidcUserLike | undefined) ?? null;
    } catch {
      return null;
    }
  }

  get state(): AppState {
    return this.store.state;
  }

  /**
   * At page load: with a stored token, load the projects; without one, ask for it first. With
   * OIDC there is no dialog: OHIF sends the user to the identity provider and, back on
   * `/viewer/callback`, holds the user; the projects are loaded once its access token is there.
   */
  async start(): Promise<void> {
    if (this.auth === 'oidc') return this.afterOidcToken(null);
    if (!this.session.token) return this.showSignIn();
    const refused = await this.client.projects().then(() => false, (error: unknown) => error instanceof ApiError && error.status === 401);
    if (refused) {
      // OHIF's own requests were refused too: sign in, then load the page again.
      this.session.clear();
      return this.showSignIn('The stored token is no longer accepted; sign in again.');
    }
    await this.loadProjects();
    // A reload with a stored token: the mode may have been entered before the projects were
    // loaded (the case then waits as "sign in"); set it up now.
    if (this.state.signedIn && this.state.openCase && this.state.mask.phase === 'idle') this.onModeEnter();
  }

  /**
   * The sign-in dialog. By default, once a token is accepted the page the user asked for is
   * loaded again, so that OHIF reads its images with the token (without one it could not).
   */
  showSignIn(reason: string | null = null, onSignedIn: () => void = () => window.location.assign(this.entryUrl)): void {
    if (this.auth === 'oidc') return; // no API tokens: OHIF signs in through the identity provider
    const verify = async (token: string): Promise<string | null> => {
      if (!token) return 'Enter a ScanSelect token.';
      this.session.token = token;
      try {
        await this.client.projects();
        return null;
      } catch (error) {
        this.session.clear();
        if (error instanceof ApiError && error.status === 401) return 'This token is not accepted (unknown or revoked).';
        return error instanceof ApiError ? error.describe() : String(error);
      }
    };
    showSignInDialog(verify, onSignedIn, reason);
  }

  async signIn(token: string): Promise<void> {
    if (this.auth === 'oidc') return this.notify({ kind: 'error', text: 'This viewer signs in through the identity provider, not with a ScanSelect token.' });
    const trimmed = token.trim();
    if (!trimmed) return this.notify({ kind: 'error', text: 'Enter a ScanSelect token.' });
    this.session.token = trimmed;
    await this.loadProjects();
    // The images of an already open study were refused without the token: load them again.
    const open = this.state.openCase;
    if (this.state.signedIn && open) this.navigate({ ...open, ...(open.item && { instanceUid: open.item.instanceUid }) }, true);
  }

  /** Token: forget it and show the dialog. OIDC: OHIF's `/logout` route (the identity provider's end-session endpoint, then back here). */
  signOut(): void {
    this.session.clear();
    this.stopLive();
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.store.update({ ...INITIAL_STATE });
    if (this.auth === 'oidc') {
      this.ohif.commandsManager.runCommand('navigateHistory', { to: `/logout?redirect_uri=${encodeURIComponent(window.location.href)}` });
      return;
    }
    this.showSignIn();
  }

  /**
   * OIDC: waits until OHIF holds a user whose access token is not `refused` (the first sign-in,
   * or a silent renewal after the server refused the token), then loads the projects; a case
   * whose mode was entered before that is set up again. Concurrent calls share one wait.
   */
  private afterOidcToken(refused: string | null): Promise<void> {
    this.awaitingOidc ??= (async () => {
      for (;;) {
        // Wait first: at preRegistration OHIF's user service is not implemented yet (it warns).
        await new Promise((resolve) => setTimeout(resolve, OIDC_WAIT_MS));
        const token = this.currentToken();
        if (token && token !== refused) break;
      }
      await this.loadProjects();
      if (this.state.signedIn && this.state.openCase && this.state.mask.phase === 'idle') this.onModeEnter();
    })().finally(() => {
      this.awaitingOidc = null;
    });
    return this.awaitingOidc;
  }

  private async loadProjects(): Promise<void> {
    try {
      this.session.me = (await this.client.me()).name;
      const projects = await this.client.projects();
      this.store.update({ signedIn: true, projects, notice: null });
      const fromUrl = caseFromSearch(window.location.search).projectId;
      const wanted = [fromUrl, this.session.projectId].find((id) => id !== null && projects.some((p) => p.id === id)) ?? projects[0]?.id ?? null;
      if (wanted !== null) await this.selectProject(wanted);
      if (this.pollTimer === null) this.pollTimer = setInterval(() => void this.refresh(), POLL_MS);
    } catch (error) {
      this.fail('Loading the projects failed', error);
    }
  }

  async selectProject(projectId: number): Promise<void> {
    this.session.projectId = projectId;
    if (this.state.project?.id !== projectId) this.store.update({ project: this.state.projects.find((p) => p.id === projectId) ?? null, worklist: [], map: null, activeJob: null });
    await this.refresh();
    this.startLive(projectId);
  }

  /** Reloads the project, its latest worklist and map (one at a time; concurrent calls share one). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const projectId = this.session.projectId;
    if (!this.state.signedIn || projectId === null) return;
    try {
      const [project, worklist] = await Promise.all([this.client.project(projectId), this.client.worklist(projectId)]);
      const map = project.latestRound ? await this.client.map(projectId, project.latestRound.number) : null;
      this.store.update({ project, worklist, map, activeJob: project.activeJobs[0] ?? null });
      await this.caseWorkflow.refreshItem();
    } catch (error) {
      this.fail('Refreshing the worklist failed', error);
    }
  }

  /** Claims a case of the worklist and opens it (one click). */
  async claimAndOpen(sopUid: string): Promise<boolean> {
    const projectId = this.session.projectId;
    if (projectId === null || this.state.busy) return false;
    this.store.update({ busy: true });
    try {
      const item = await this.client.claim(projectId, sopUid);
      if (item.claimedBy) this.session.me = item.claimedBy;
      this.store.update({ worklist: this.state.worklist.map((w) => (w.sopUid === item.sopUid ? item : w)) });
      this.navigate({ projectId, sopUid: item.sopUid, instanceUid: item.instanceUid, studyUid: item.studyUid, seriesUid: item.seriesUid });
      return true;
    } catch (error) {
      this.fail(`Claiming case ${this.rankOf(sopUid)} failed`, error);
      void this.refresh();
      return false;
    } finally {
      this.store.update({ busy: false });
    }
  }

  /** A point of the map: an open worklist case is claimed and opened, any other case is only opened. */
  async openFromMap(sopUid: string): Promise<void> {
    const projectId = this.session.projectId;
    if (projectId === null) return;
    const item = this.state.worklist.find((w) => w.sopUid === sopUid);
    if (item && item.status === 'open') {
      await this.claimAndOpen(sopUid);
      return;
    }
    try {
      const known = item ?? (await this.client.caseItem(projectId, sopUid).catch(() => null));
      if (!known) return this.notify({ kind: 'info', text: 'This case is in the pool but on no worklist; the map does not know its study.' });
      this.navigate({ projectId, sopUid, instanceUid: known.instanceUid, studyUid: known.studyUid, seriesUid: known.seriesUid });
    } catch (error) {
      this.fail('Opening the case failed', error);
    }
  }

  /** After an accepted mask: claim and open the next case of the worklist, if any is left. */
  async advanceAfterSubmit(submittedSop: string): Promise<void> {
    await this.refresh();
    const tried = new Set<string>([submittedSop]);
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidates: WorklistItem[] = this.state.worklist.filter((w) => !tried.has(w.sopUid));
      const next = nextCase(candidates, submittedSop, this.session.me);
      if (!next) {
        this.notify({ kind: 'success', text: 'Mask accepted. The worklist is done; the next round starts when the quota is reached.' });
        return;
      }
      tried.add(next.sopUid);
      if (await this.claimAndOpen(next.sopUid)) return;
    }
  }

  /** Shows a case in the viewer (OHIF re-enters the mode with the new study). */
  navigate(ref: CaseRef, replace = false): void {
    const source = this.state.project?.id === ref.projectId ? this.state.project.settings.source : undefined;
    this.ohif.commandsManager.runCommand('navigateHistory', { to: caseRoute(ref, source), options: { replace } });
  }

  /** OHIF entered the mode (a study was opened): set up the case named in the URL. */
  onModeEnter(): void {
    void this.caseWorkflow.enter(caseFromSearch(window.location.search));
  }

  onModeExit(): void {
    this.caseWorkflow.exit();
  }

  /** A notice in the panel, and (errors, successes) a toast. */
  notify(notice: Notice): void {
    this.store.update({ notice });
    if (notice.kind !== 'info') this.toast(notice);
  }

  /** Only the toast (when the panel already shows the message where it belongs). */
  toast(notice: Notice): void {
    try {
      this.ohif.servicesManager.services.uiNotificationService.show({ title: 'ScanSelect', message: notice.text, type: notice.kind, duration: 5000 });
    } catch {
      // notifications are a courtesy; the panel shows the message too
    }
  }

  /** Shows an error: the server's message (and request id) or the exception's. */
  fail(what: string, error: unknown): void {
    if (error instanceof ApiError && error.status === 401 && this.auth === 'oidc') {
      // The identity provider's token was refused (expired before OHIF renewed it, or the user
      // lost the role): wait for a renewed one without reloading, keeping the open case.
      const refused = this.currentToken();
      this.session.me = null;
      this.stopLive();
      this.store.update({ signedIn: false, notice: { kind: 'error', text: `${what}: ${error.message}. Waiting for the identity provider to renew the sign-in (or sign out and in again).` } });
      void this.afterOidcToken(refused);
      return;
    }
    if (error instanceof ApiError && error.status === 401) {
      // The token expired or was revoked mid-session: sign in again without reloading, so that
      // the open case, its painting and a mask not yet accepted stay where they are.
      this.session.clear();
      this.stopLive();
      this.store.update({ signedIn: false, notice: { kind: 'error', text: `${what}: ${error.message}` } });
      this.showSignIn('Your token is no longer accepted; sign in again.', () => void this.loadProjects());
      return;
    }
    const text = error instanceof ApiError ? error.describe() : error instanceof Error ? error.message : String(error);
    this.notify({ kind: 'error', text: `${what}: ${text}` });
  }

  rankOf(sopUid: string): string {
    const item = this.state.worklist.find((w) => w.sopUid === sopUid);
    return item ? `#${item.rank}` : sopUid;
  }

  /** Follows the project's job events; a finished sync or round refreshes the worklist. */
  private startLive(projectId: number): void {
    if (this.liveProject === projectId && this.liveAbort) return;
    this.stopLive();
    const abort = new AbortController();
    this.liveAbort = abort;
    this.liveProject = projectId;
    const loop = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        this.store.update({ live: this.state.live === 'off' ? 'connecting' : 'reconnecting' });
        try {
          const following = this.client.followJobs(projectId, (job) => this.onJob(job), abort.signal);
          this.store.update({ live: 'live' });
          await following;
        } catch {
          // reconnect below
        }
        if (abort.signal.aborted) return;
        this.store.update({ live: 'reconnecting' });
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
        void this.refresh(); // events missed while disconnected
      }
    };
    void loop();
  }

  private stopLive(): void {
    this.liveAbort?.abort();
    this.liveAbort = null;
    this.liveProject = null;
    this.store.update({ live: 'off' });
  }

  private onJob(job: Job): void {
    if (job.projectId !== this.session.projectId) return;
    if (job.state === 'queued' || job.state === 'running') {
      const previous = this.state.activeJob;
      this.store.update({ activeJob: { id: job.id, kind: job.kind, state: job.state, progress: job.progress, stage: job.stage } });
      if (!previous || previous.id !== job.id) void this.refresh();
      return;
    }
    if (this.state.activeJob?.id === job.id) this.store.update({ activeJob: null });
    if (job.state === 'failed') this.notify({ kind: 'error', text: `The ${job.kind} job failed: ${job.error ?? 'no reason given'}` });
    void this.refresh();
  }
}
