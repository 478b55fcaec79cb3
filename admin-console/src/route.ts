/** The console's pages, addressed by the URL's hash (`#/projects/3/rounds`), so reload and back work. */
export type ProjectTab = 'overview' | 'settings' | 'rounds' | 'curve' | 'data' | 'export';
export const PROJECT_TABS: ReadonlyArray<{ readonly tab: ProjectTab; readonly label: string }> = [
  { tab: 'overview', label: 'Overview' },
  { tab: 'settings', label: 'Settings' },
  { tab: 'rounds', label: 'Rounds' },
  { tab: 'curve', label: 'Learning curve' },
  { tab: 'data', label: 'Data health' },
  { tab: 'export', label: 'Export' },
];

export type Route =
  | { readonly page: 'projects' }
  | { readonly page: 'new-project' }
  | { readonly page: 'project'; readonly id: number; readonly tab: ProjectTab }
  | { readonly page: 'people' }
  | { readonly page: 'deliveries' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'people') return { page: 'people' };
  if (parts[0] === 'deliveries') return { page: 'deliveries' };
  if (parts[0] === 'projects' && parts[1] === 'new') return { page: 'new-project' };
  if (parts[0] === 'projects' && parts[1] && /^\d+$/.test(parts[1])) {
    const tab = PROJECT_TABS.find((t) => t.tab === parts[2])?.tab ?? 'overview';
    return { page: 'project', id: Number(parts[1]), tab };
  }
  return { page: 'projects' };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'projects': return '#/projects';
    case 'new-project': return '#/projects/new';
    case 'project': return `#/projects/${route.id}/${route.tab}`;
    case 'people': return '#/people';
    case 'deliveries': return '#/deliveries';
  }
}
