import { AppError } from '../appError';
import { validator } from '../http/validate';
import { parseCron } from '../jobs/cronSchedule';
import { PROJECT_PATCH_SCHEMA, PROJECT_SETTINGS_SCHEMA, settingsProblems, type ProjectPatch, type ProjectSettings } from '../projects/projectConfig';
import type { Project } from '../projects/projectStore';
import type { ServerContext } from './context';

const validateSettings = validator<ProjectSettings>(PROJECT_SETTINGS_SCHEMA);
const validatePatch = validator<ProjectPatch>(PROJECT_PATCH_SCHEMA);

function check(ctx: ServerContext, settings: ProjectSettings): ProjectSettings {
  const problems = settingsProblems(settings, { sources: Object.keys(ctx.config.sources), encoders: ctx.encoderIds, models: Object.keys(ctx.config.models), cron: parseCron });
  if (problems.length > 0) throw new AppError(400, 'invalid-body', problems.join('; '));
  return settings;
}

/** Creates a project from an admin's request (validated, defaults filled in, audited). */
export async function createProject(ctx: ServerContext, actor: string, body: unknown): Promise<Project> {
  const { name, ...rest } = (typeof body === 'object' && body !== null ? body : {}) as { name?: unknown };
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/.test(name)) {
    throw new AppError(400, 'invalid-body', 'body.name: 1–100 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit');
  }
  const settings = check(ctx, validateSettings(rest));
  return ctx.sql.transaction(async (tx) => {
    const project = await ctx.projects.create(name, settings, tx);
    await ctx.audit.record(actor, 'project.create', project.id, { name, settings: project.settings }, tx);
    return project;
  });
}

/**
 * Changes budgets, α, schedule, quota, lease, filters or training settings. The total budget
 * cannot drop below what has already been selected (409).
 */
export async function updateProject(ctx: ServerContext, actor: string, projectId: number, body: unknown): Promise<Project> {
  const project = await ctx.projects.get(projectId);
  const patch = validatePatch(body);
  const next = check(ctx, { ...project.settings, ...patch, model: { ...project.settings.model, ...patch.model } } as ProjectSettings);
  const used = (await ctx.rounds.selectedIds(projectId)).length;
  if (next.budget.total < used) throw new AppError(409, 'budget-below-used', `the total budget cannot be ${next.budget.total}: ${used} cases are already selected`);
  const updated = await ctx.projects.update(projectId, next);
  const changes = Object.fromEntries(Object.keys(patch).map((k) => [k, { from: project.settings[k as keyof ProjectSettings], to: updated.settings[k as keyof ProjectSettings] }]));
  await ctx.audit.record(actor, 'project.update', projectId, changes);
  return updated;
}
