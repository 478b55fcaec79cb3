import { AppError, type FieldError } from '../appError';
import { validator } from '../http/validate';
import { parseCron } from '../jobs/cronSchedule';
import { classColorsFor, PROJECT_PATCH_SCHEMA, PROJECT_SETTINGS_SCHEMA, settingsProblems, type ProjectPatch, type ProjectSettings } from '../projects/projectConfig';
import type { Project } from '../projects/projectStore';
import type { ServerContext } from './context';

const validateSettings = validator<ProjectSettings>(PROJECT_SETTINGS_SCHEMA);
const validatePatch = validator<ProjectPatch>(PROJECT_PATCH_SCHEMA);

/** `budget: the cold start …` → the field `budget`, so a form can show the message beside it. */
function fieldOf(problem: string): FieldError {
  const colon = problem.indexOf(': ');
  return colon > 0 ? { field: problem.slice(0, colon), message: problem.slice(colon + 2) } : { field: '', message: problem };
}

/**
 * What is wrong with settings on their own (unknown source, budgets that do not add up, a bad
 * schedule…). An encoder model is a name: of the server configuration's models, or of a site
 * encoder a train-encoder job stored (looked up only when the name is not a configured one).
 */
async function problemsOf(ctx: ServerContext, settings: ProjectSettings): Promise<string[]> {
  const configured = Object.keys(ctx.config.models);
  const model = settings.encoder.model;
  const site = model !== undefined && !configured.includes(model) && (await ctx.siteEncoders.has(model)) ? [model] : [];
  return settingsProblems(settings, { sources: Object.keys(ctx.config.sources), encoders: ctx.encoderIds, models: [...configured, ...site], cron: parseCron });
}

async function check(ctx: ServerContext, settings: ProjectSettings): Promise<ProjectSettings> {
  const problems = await problemsOf(ctx, settings);
  if (problems.length > 0) throw new AppError(400, 'invalid-body', problems.join('; '), problems.map(fieldOf));
  return settings;
}

/** Creates a project from an admin's request (validated, defaults and class colours filled in, audited). */
export async function createProject(ctx: ServerContext, actor: string, body: unknown): Promise<Project> {
  const { name, ...rest } = (typeof body === 'object' && body !== null ? body : {}) as { name?: unknown };
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/.test(name)) {
    const message = '1–100 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit';
    throw new AppError(400, 'invalid-body', `body.name: ${message}`, [{ field: 'name', message }]);
  }
  const valid = validateSettings(rest);
  const settings = await check(ctx, { ...valid, classColors: classColorsFor(valid.classes, valid.classColors) });
  return ctx.sql.transaction(async (tx) => {
    const project = await ctx.projects.create(name, settings, tx);
    await ctx.audit.record(actor, 'project.create', project.id, { name, settings: project.settings }, tx);
    return project;
  });
}

/**
 * Changes any setting, with what already depends on it respected (409 naming the field):
 * the source and encoder only while nothing is synced (the pool's embeddings came from them);
 * the number of classes only while no mask exists (masks hold label values); the total budget
 * never below what is already selected; an archived project only back to active or paused.
 */
export async function updateProject(ctx: ServerContext, actor: string, projectId: number, body: unknown): Promise<Project> {
  const project = await ctx.projects.get(projectId);
  const patch = validatePatch(body);
  const before = project.settings;
  if (before.status === 'archived' && Object.keys(patch).some((k) => k !== 'status')) {
    throw new AppError(409, 'project-archived', `project "${project.name}" is archived: set it active or paused first, then change its settings`, [{ field: 'status', message: 'archived' }]);
  }
  const classes = patch.classes ?? before.classes;
  const colours = patch.classColors ?? (patch.classes ? classColorsFor(classes, before.classColors.slice(0, classes.length)) : before.classColors);
  const next = {
    ...before, ...patch, classes, classColors: colours, model: { ...before.model, ...patch.model }, encoder: { ...before.encoder, ...patch.encoder },
    selection: { ...before.selection, ...patch.selection },
  } as ProjectSettings;
  // Every problem at once, so a form can mark each field: what is wrong in itself (400), and what
  // what the project already holds refuses (409, when nothing else is wrong).
  const problems = await problemsOf(ctx, next);
  const refusals = await refusalsOf(ctx, project, next);
  if (problems.length > 0) throw new AppError(400, 'invalid-body', [...problems, ...refusals.map(describeRefusal)].join('; '), [...problems.map(fieldOf), ...refusals]);
  if (refusals.length > 0) {
    const code = refusals.length === 1 && refusals[0]!.field === 'budget.total' ? 'budget-below-used' : 'setting-in-use';
    throw new AppError(409, code, refusals.map(describeRefusal).join('; '), refusals);
  }
  const updated = await ctx.projects.update(projectId, next);
  const changes = Object.fromEntries(Object.keys(patch).map((k) => [k, { from: before[k as keyof ProjectSettings], to: updated.settings[k as keyof ProjectSettings] }]));
  await ctx.audit.record(actor, 'project.update', projectId, changes);
  return updated;
}

const describeRefusal = (r: FieldError): string => (r.field === 'budget.total' ? `the total budget ${r.message}` : `${r.field}: ${r.message}`);

/** What the project already holds refuses of a change (see {@link updateProject}). */
async function refusalsOf(ctx: ServerContext, project: Project, next: ProjectSettings): Promise<FieldError[]> {
  const before = project.settings;
  const counts = (await ctx.sql.get<{ synced: number; masks: number }>(`SELECT
      (SELECT COUNT(*) FROM instances WHERE project_id = @id) AS synced,
      (SELECT COUNT(*) FROM masks WHERE project_id = @id) AS masks`, { id: project.id }))!;
  const refusals: FieldError[] = [];
  if (counts.synced > 0 && next.source !== before.source) refusals.push({ field: 'source', message: `${counts.synced} instances are already synced from "${before.source}": create a new project for another source` });
  if (counts.synced > 0 && JSON.stringify(next.encoder) !== JSON.stringify(before.encoder)) {
    refusals.push({ field: 'encoder', message: `${counts.synced} instances are already embedded with this encoder: create a new project to use another` });
  }
  if (counts.masks > 0 && next.classes.length !== before.classes.length) {
    refusals.push({ field: 'classes', message: `${counts.masks} masks hold label values 1–${before.classes.length}: classes can be renamed, not added or removed` });
  }
  const used = (await ctx.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM worklist WHERE project_id = @id AND validation = 0', { id: project.id }))!.n;
  if (next.budget.total < used) refusals.push({ field: 'budget.total', message: `cannot be ${next.budget.total}: ${used} cases are already selected` });
  return refusals;
}
