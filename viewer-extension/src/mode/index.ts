import { EXTENSION_URL, MODE_ID, MODE_ROUTE, OHIF, PANEL_NAMES, panelModuleId } from '../ids';

/** A mode as OHIF 3.13 reads it (only the fields used here are typed). */
interface ModeInstance {
  readonly onModeEnter?: (this: ModeInstance, context: unknown) => void;
  readonly [key: string]: unknown;
}
interface ModeModule {
  readonly modeInstance: ModeInstance;
}
type LoadModules = (names: string[]) => Promise<ModeModule[]>;

/**
 * Keys are what OHIF's ModeRoute passes to its module loader: names of bundled @ohif packages,
 * or the URL of a run-time one (a bare id would be `import()`ed and fail).
 */
const extensionDependencies = {
  [OHIF.extensionDefault]: '^3.0.0',
  [OHIF.extensionCornerstone]: '^3.0.0',
  [OHIF.extensionDicomSeg]: '^3.0.0',
  [EXTENSION_URL]: '^0.1.0',
};

/** The route's layout: worklist (+ series) on the left, embedding map (+ OHIF's segmentation panel) on the right. */
function layoutTemplate(): { id: string; props: Record<string, unknown> } {
  return {
    id: OHIF.layout,
    props: {
      leftPanels: [panelModuleId(PANEL_NAMES.worklist), OHIF.seriesList],
      leftPanelResizable: true,
      rightPanels: [panelModuleId(PANEL_NAMES.map), OHIF.segmentationPanel],
      rightPanelClosed: false,
      rightPanelResizable: true,
      viewports: [
        { namespace: OHIF.cornerstoneViewport, displaySetsToDisplay: [OHIF.stackSopClassHandler] },
        { namespace: OHIF.segViewport, displaySetsToDisplay: [OHIF.segSopClassHandler] },
      ],
    },
  };
}

/**
 * The `scanselect` mode: OHIF's segmentation mode (its tool groups with brush, eraser and
 * threshold tools, toolbar and hanging protocol machinery) with ScanSelect's panels and one
 * stack viewport for the case's series (hanging protocol `default`; the series is chosen by the
 * URL's SeriesInstanceUIDs). Valid for any study with images (not only SEG/SR/KO objects).
 */
const mode = {
  id: MODE_ID,
  extensionDependencies,
  async modeFactory({ loadModules }: { loadModules: LoadModules }): Promise<Record<string, unknown>> {
    const [segmentation, basic] = await loadModules([OHIF.modeSegmentation, '@ohif/mode-basic']);
    const base = segmentation!.modeInstance;
    // The basic mode's enter (tool groups, toolbar) without the segmentation mode's automatic
    // switch of the right panel to OHIF's segmentation panel, which would hide the map.
    const enter = basic?.modeInstance.onModeEnter ?? base.onModeEnter;
    return {
      ...base,
      id: MODE_ID,
      routeName: MODE_ROUTE,
      displayName: 'ScanSelect',
      hide: false,
      nonModeModalities: ['SM', 'ECG', 'DOC', 'SEG', 'SR', 'PR', 'RTSTRUCT', 'KO'],
      extensions: extensionDependencies,
      hangingProtocol: 'default',
      sopClassHandlers: [OHIF.stackSopClassHandler, OHIF.segSopClassHandler],
      modeCustomizations: { 'panelSegmentation.disableEditing': false },
      routes: [{ path: MODE_ROUTE, layoutTemplate }],
      onModeEnter(this: ModeInstance, context: unknown) {
        enter?.call(this, context);
      },
    };
  },
};

export default mode;
