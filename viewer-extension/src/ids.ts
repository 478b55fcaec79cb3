/**
 * Every name OHIF knows the extension by, in one place: the extension id, module ids as the
 * mode refers to them (`<extensionId>.<moduleType>.<name>`), the URLs the app loads, command
 * names and the command context. Nothing else spells these strings.
 */

/** The extension's id (OHIF registers its modules under it). */
export const EXTENSION_ID = 'scanselect-extension';
/** The mode's id and route (`/viewer/scanselect?StudyInstanceUIDs=…`). */
export const MODE_ID = 'scanselect';
export const MODE_ROUTE = 'scanselect';
/** Where the server serves the built bundles (the mode lists the extension by this URL). */
export const EXTENSION_URL = '/viewer-extension/scanselect-extension.js';

/** Panel names (the module ids are below). */
export const PANEL_NAMES = { worklist: 'worklist', map: 'embeddingMap' } as const;

/** `<extensionId>.panelModule.<name>`: how a layout template names a panel. */
export function panelModuleId(name: (typeof PANEL_NAMES)[keyof typeof PANEL_NAMES]): string {
  return `${EXTENSION_ID}.panelModule.${name}`;
}

/** The commands context of the extension (`commandsManager.runCommand(name, options, COMMANDS_CONTEXT)`). */
export const COMMANDS_CONTEXT = 'SCANSELECT';

/** Command names of the extension. */
export const COMMANDS = {
  signIn: 'scanselectSignIn',
  signOut: 'scanselectSignOut',
  selectProject: 'scanselectSelectProject',
  refresh: 'scanselectRefresh',
  claimAndOpen: 'scanselectClaimAndOpen',
  openCase: 'scanselectOpenCase',
  activateTool: 'scanselectActivateTool',
  setBrushSize: 'scanselectSetBrushSize',
  startFromPrediction: 'scanselectStartFromPrediction',
  submitMask: 'scanselectSubmitMask',
  toggleOverlay: 'scanselectToggleOverlay',
  setOverlayOpacity: 'scanselectSetOverlayOpacity',
} as const;

/** The bundled OHIF modules the mode builds on. */
export const OHIF = {
  extensionDefault: '@ohif/extension-default',
  extensionCornerstone: '@ohif/extension-cornerstone',
  extensionDicomSeg: '@ohif/extension-cornerstone-dicom-seg',
  modeSegmentation: '@ohif/mode-segmentation',
  layout: '@ohif/extension-default.layoutTemplateModule.viewerLayout',
  stackSopClassHandler: '@ohif/extension-default.sopClassHandlerModule.stack',
  seriesList: '@ohif/extension-default.panelModule.seriesList',
  cornerstoneViewport: '@ohif/extension-cornerstone.viewportModule.cornerstone',
  segmentationPanel: '@ohif/extension-cornerstone.panelModule.panelSegmentationWithToolsLabelMap',
  segSopClassHandler: '@ohif/extension-cornerstone-dicom-seg.sopClassHandlerModule.dicom-seg',
  segViewport: '@ohif/extension-cornerstone-dicom-seg.viewportModule.dicom-seg',
  cornerstoneUtility: '@ohif/extension-cornerstone.utilityModule.common',
} as const;

/** Query parameters of the mode's URL beyond OHIF's own. */
export const URL_PARAMS = { project: 'project', case: 'case' } as const;
