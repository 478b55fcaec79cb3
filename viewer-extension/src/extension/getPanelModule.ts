import { PANEL_NAMES } from '../ids';
import { hostComponent } from '../ohif/reactHost';
import { createMapPanel } from '../panels/mapPanel';
import { createWorklistPanel } from '../panels/worklistPanel';
import { getApp } from './appHolder';

/**
 * Two panels, each plain DOM rendered into a host div (see ohif/reactHost): the worklist (with
 * sign-in and the open case's mask and overlay controls) and the embedding map.
 */
export function getPanelModule(): Array<{ name: string; iconName: string; iconLabel: string; label: string; component: () => unknown }> {
  const worklist = createWorklistPanel(getApp());
  const map = createMapPanel(getApp());
  return [
    {
      name: PANEL_NAMES.worklist,
      iconName: 'tab-linear',
      iconLabel: 'Worklist',
      label: 'ScanSelect worklist',
      component: hostComponent('scanselect-worklist-host', (node) => worklist.mount(node), () => worklist.unmount()),
    },
    {
      name: PANEL_NAMES.map,
      iconName: 'tab-4d',
      iconLabel: 'Map',
      label: 'ScanSelect map',
      component: hostComponent('scanselect-map-host', (node) => map.mount(node), () => map.unmount()),
    },
  ];
}
