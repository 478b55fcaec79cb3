import type { Role } from '../auth/tokenStore';
import { PROJECT_PATCH_SCHEMA, PROJECT_SETTINGS_SCHEMA } from '../projects/projectConfig';
import { TOKEN_REQUEST_SCHEMA } from './routes/adminRoutes';
import { VALIDATION_REQUEST_SCHEMA } from '../domain/validationSet';
import { SITE_ENCODER_REQUEST_SCHEMA } from '../domain/siteEncoders';

/** One route of the API: who may call it and what it does (the OpenAPI document and the role tests use this table). */
export interface RouteSpec {
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI path with `{id}`, `{sop}`, `{round}` parameters. */
  readonly path: string;
  readonly roles: readonly Role[];
  readonly summary: string;
  readonly body?: { readonly type: string; readonly schema?: object };
}

const ALL: readonly Role[] = ['admin', 'annotator', 'service'];

/** Every authenticated route. */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'get', path: '/api/sources', roles: ['admin'], summary: 'The configured image sources (name and kind) a project may use' },
  { method: 'get', path: '/api/projects', roles: ALL, summary: 'Projects with budget used and remaining, pool size and latest round' },
  { method: 'post', path: '/api/projects', roles: ['admin'], summary: 'Create a project', body: { type: 'application/json', schema: { ...PROJECT_SETTINGS_SCHEMA, required: ['name', ...PROJECT_SETTINGS_SCHEMA.required], properties: { name: { type: 'string' }, ...PROJECT_SETTINGS_SCHEMA.properties } } } },
  { method: 'get', path: '/api/projects/{id}', roles: ALL, summary: 'One project' },
  { method: 'patch', path: '/api/projects/{id}', roles: ['admin'], summary: 'Change settings (status: active, paused, archived); the source and encoder only before a sync, the number of classes only before a mask; 409 names the field', body: { type: 'application/json', schema: PROJECT_PATCH_SCHEMA } },
  { method: 'post', path: '/api/projects/{id}/sync', roles: ['admin', 'service'], summary: 'Queue a sync (list the source, embed what is new)' },
  { method: 'get', path: '/api/projects/{id}/sync-status', roles: ['admin', 'service'], summary: 'Sync health: { embedded, failed, lastSync: { jobId, state, finishedAt, result, error } | null, reasons: [{ reason, count }] } (failed instances grouped by reason)' },
  { method: 'get', path: '/api/projects/{id}/instances', roles: ['admin', 'service'], summary: 'Synced instances, newest first (?status=embedded|failed, ?limit= 1–500 [200], ?offset=): sopUid, studyUid, seriesUid, modality, status, error, syncedAt; X-Total-Count' },
  { method: 'post', path: '/api/projects/{id}/site-encoder', roles: ['admin'], summary: 'Queue a train-encoder job: the site encoder (self-supervised, no labels) trained on the project\'s synced pool and stored as site-<project>-<hash>, or reused when this pool and these options trained one already; a new project uses it with encoder { id: self-supervised, model: <name> }', body: { type: 'application/json', schema: SITE_ENCODER_REQUEST_SCHEMA } },
  { method: 'get', path: '/api/site-encoders', roles: ['admin'], summary: 'Stored site encoders: name, version, dimensions, images and epochs trained on, final loss, createdAt' },
  { method: 'post', path: '/api/projects/{id}/rounds', roles: ['admin', 'service'], summary: 'Queue a round (cold start when nothing is selected, else train → predict → acquire)' },
  { method: 'get', path: '/api/projects/{id}/rounds', roles: ALL, summary: 'Rounds with size, labelled count and training summary' },
  { method: 'get', path: '/api/projects/{id}/rounds/{round}/map', roles: ALL, summary: 'The 2-D embedding map of a round: every pool case with x, y and selection status' },
  { method: 'get', path: '/api/projects/{id}/rounds/{round}/model', roles: ['admin'], summary: 'The round\'s model as a ZIP: TensorFlow.js model.json, weights.bin, metadata.json and scanselect.json (project, round, classes, input size, training summary); 404 for a cold-start round' },
  { method: 'get', path: '/api/projects/{id}/export', roles: ['admin'], summary: 'The labelled data set as a ZIP, streamed (?format=png|nifti [png]): manifest.csv, dataset.json, images/, masks/, seg/ (audited as export.dataset)' },
  { method: 'get', path: '/api/projects/{id}/rounds/{round}/metrics', roles: ALL, summary: 'The round model\'s scores on the labelled validation cases: Dice per class (mean, median, min, max), HD95 in pixels of the model input (mean, median, undefined cases), labels used; 404 for the cold start or a round not scored yet' },
  { method: 'get', path: '/api/projects/{id}/learning-curve', roles: ALL, summary: 'Learning curve: each scored round model\'s mean Dice and per-class Dice and HD95 on the validation set against the labels it used (?format=csv for CSV)' },
  { method: 'get', path: '/api/projects/{id}/validation', roles: ALL, summary: 'The validation set (labelled like any case, never trained on, not in the budget): size, labelled, how it was chosen, its cases' },
  { method: 'post', path: '/api/projects/{id}/validation', roles: ['admin'], summary: 'Grow the validation set to `size` cases: a stratified random sample over the k-means clusters of the latest round\'s map (409 validation-shrink, no-map, round-running)', body: { type: 'application/json', schema: VALIDATION_REQUEST_SCHEMA } },
  { method: 'get', path: '/api/projects/{id}/worklist', roles: ALL, summary: 'Prioritised worklist: the latest round and what earlier rounds left unlabelled, in round then rank order (?round=N, ?all=true, ?status=open|claimed|labelled)' },
  { method: 'get', path: '/api/projects/{id}/cases/{sop}', roles: ALL, summary: 'One worklist case' },
  { method: 'post', path: '/api/projects/{id}/cases/{sop}/claim', roles: ['annotator', 'admin'], summary: 'Claim a case (a lease; 409 when another annotator holds it)' },
  { method: 'delete', path: '/api/projects/{id}/cases/{sop}/claim', roles: ['annotator', 'admin'], summary: 'Release a claim (its holder; an admin may release any)' },
  { method: 'post', path: '/api/projects/{id}/cases/{sop}/mask', roles: ['annotator', 'admin'], summary: 'Submit a mask: DICOM SEG (application/dicom) or label-map PNG (image/png, value = class index)', body: { type: 'application/dicom' } },
  { method: 'get', path: '/api/projects/{id}/cases/{sop}/mask', roles: ALL, summary: 'The accepted mask as a label-map PNG' },
  { method: 'get', path: '/api/projects/{id}/cases/{sop}/thumbnail', roles: ALL, summary: '64 × 64 grey PNG thumbnail' },
  { method: 'get', path: '/api/projects/{id}/cases/{sop}/uncertainty', roles: ALL, summary: 'Per-pixel entropy (eq. 5) of the round model: PNG heat map, or ?format=raw for float32 (X-Width, X-Height)' },
  { method: 'get', path: '/api/projects/{id}/cases/{sop}/prediction', roles: ALL, summary: 'The round model\'s predicted label map (value = class index) at the image\'s size, PNG — a starting point for the mask' },
  { method: 'get', path: '/api/jobs', roles: ALL, summary: 'Jobs (?project=)' },
  { method: 'get', path: '/api/jobs/{id}', roles: ALL, summary: 'One job: state, progress, stage, error, result' },
  { method: 'post', path: '/api/jobs/{id}/cancel', roles: ['admin'], summary: 'Cancel a job: a queued one fails at once, a running one stops within seconds (202 with the job; it ends failed "cancelled by <name>", cancelRequestedBy set); 409 job-finished' },
  { method: 'post', path: '/api/jobs/{id}/retry', roles: ['admin'], summary: 'Retry a failed (or cancelled) sync or round job: 202 with the new job, 200 with the one of that kind already pending; 409 job-not-failed' },
  { method: 'get', path: '/api/events', roles: ALL, summary: 'Job progress as Server-Sent Events (?project=)' },
  { method: 'get', path: '/api/me', roles: ALL, summary: 'Who the token belongs to: name (as claims and the audit log show it) and role' },
  { method: 'get', path: '/api/tokens', roles: ['admin'], summary: 'API tokens (never the secrets)' },
  { method: 'post', path: '/api/tokens', roles: ['admin'], summary: 'Issue a token (shown once)', body: { type: 'application/json', schema: TOKEN_REQUEST_SCHEMA } },
  { method: 'delete', path: '/api/tokens/{id}', roles: ['admin'], summary: 'Revoke a token' },
  { method: 'get', path: '/api/audit', roles: ['admin'], summary: 'Audit log, newest first (?project=, ?actor=, ?action= exact or a prefix as case.*, ?from= inclusive and ?to= exclusive ISO 8601 instants, ?limit= 1–500 [200], ?offset=); X-Total-Count: how many match' },
  { method: 'get', path: '/api/audit/facets', roles: ['admin'], summary: 'The distinct actors and actions of the audit log, sorted: { actors, actions }' },
  { method: 'get', path: '/dicom-web/{source}/studies', roles: ALL, summary: 'Read-only DICOMweb proxy (QIDO-RS, WADO-RS: any path under /dicom-web/{source}/) to a configured PACS, for the viewer' },
  { method: 'get', path: '/api/outbox', roles: ['admin', 'service'], summary: 'What is queued for or was delivered to the PACS, oldest first (?project=, ?state=pending|done|failed — failed: pending after a failed attempt, lastError the PACS\'s answer; ?limit= 1–500 [all], ?offset=); X-Total-Count: how many match' },
  { method: 'post', path: '/api/outbox/{id}/retry', roles: ['admin'], summary: 'Retry a pending delivery now instead of after its back-off (409 already-delivered when done); audited' },
];

const ERROR_SCHEMA = { type: 'object', required: ['code', 'message', 'requestId'], properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } } };

/** The OpenAPI 3.1 document served at `/openapi.json`. */
export function openApiDocument(version: string): object {
  const paths: Record<string, Record<string, object>> = {
    '/api/health': { get: { summary: 'Liveness (no token)', security: [], responses: { 200: { description: 'ok' } } } },
    '/api/info': { get: { summary: 'Version, compute backend, encoders, strategies, projections, models (no token)', security: [], responses: { 200: { description: 'ok' } } } },
  };
  for (const route of ROUTES) {
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    (paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      description: `Roles: ${route.roles.join(', ')}.`,
      'x-roles': route.roles,
      parameters,
      ...(route.body && { requestBody: { required: true, content: { [route.body.type]: { schema: route.body.schema ?? { type: 'string', format: 'binary' } } } } }),
      responses: {
        default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        200: { description: 'ok' },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'ScanSelect', version, description: 'Which scans to label next: cold start and active-learning rounds over a PACS.' },
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (ss_…) or, when configured, an OIDC JWT' } }, schemas: { Error: ERROR_SCHEMA } },
    paths,
  };
}
