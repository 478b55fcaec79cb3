import { AppError } from '../appError';
import type { Project } from '../projects/projectStore';

/**
 * Refuses (409) work that a paused or archived project does not do: syncs and rounds, queued by
 * anyone or by the schedule. `what` names the refused action in the message.
 */
export function assertActive(project: Project, what: string): void {
  const { status } = project.settings;
  if (status === 'active') return;
  throw new AppError(409, `project-${status}`, `project "${project.name}" is ${status}: ${what} is not possible until an admin sets it active again`, [{ field: 'status', message: status }]);
}

/** Refuses (409) any change to an archived project's cases (claims, masks, validation cases): it is read-only. */
export function assertNotArchived(project: Project, what: string): void {
  if (project.settings.status !== 'archived') return;
  throw new AppError(409, 'project-archived', `project "${project.name}" is archived (read-only): ${what} is not possible`, [{ field: 'status', message: 'archived' }]);
}
