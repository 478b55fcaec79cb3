import type { ProjectSettings } from '../projects/projectConfig';

/** A project's classes as the exports describe them: name, label value in masks (0 is background), colour. */
export function classList(settings: Pick<ProjectSettings, 'classes' | 'classColors'>): Array<{ name: string; value: number; color?: string }> {
  return settings.classes.map((name, i) => ({ name, value: i + 1, ...(settings.classColors?.[i] && { color: settings.classColors[i] }) }));
}
