import { COMMANDS, COMMANDS_CONTEXT } from '../ids';
import { MASK_TOOLS, type MaskTool } from '../segmentation/maskEditor';
import { getApp } from './appHolder';

type Options = Record<string, unknown>;

const str = (o: Options, key: string): string => {
  const v = o[key];
  if (typeof v !== 'string' || !v) throw new Error(`command option "${key}" must be a non-empty string`);
  return v;
};
const num = (o: Options, key: string): number => {
  const v = Number(o[key]);
  if (!Number.isFinite(v)) throw new Error(`command option "${key}" must be a number`);
  return v;
};

/**
 * The extension's commands (context SCANSELECT): what the panels do, available to hotkeys,
 * toolbar buttons and other extensions too. Options are checked, since commands can be run
 * with anything.
 */
export function getCommandsModule(): { actions: Record<string, (options?: Options) => unknown>; definitions: Record<string, { commandFn: (options?: Options) => unknown }>; defaultContext: string } {
  const actions: Record<string, (options?: Options) => unknown> = {
    [COMMANDS.signIn]: (o = {}) => getApp().signIn(str(o, 'token')),
    [COMMANDS.signOut]: () => getApp().signOut(),
    [COMMANDS.selectProject]: (o = {}) => getApp().selectProject(num(o, 'projectId')),
    [COMMANDS.refresh]: () => getApp().refresh(),
    [COMMANDS.claimAndOpen]: (o = {}) => getApp().claimAndOpen(str(o, 'sopUid')),
    [COMMANDS.openCase]: (o = {}) => getApp().openFromMap(str(o, 'sopUid')),
    [COMMANDS.activateTool]: (o = {}) => {
      const tool = str(o, 'tool');
      if (!(tool in MASK_TOOLS)) throw new Error(`unknown tool "${tool}" (${Object.keys(MASK_TOOLS).join(', ')})`);
      getApp().caseWorkflow.activateTool(tool as MaskTool);
    },
    [COMMANDS.setBrushSize]: (o = {}) => getApp().caseWorkflow.setBrushSize(num(o, 'value')),
    [COMMANDS.startFromPrediction]: (o = {}) => getApp().caseWorkflow.startFromPrediction(o.replace === true),
    [COMMANDS.submitMask]: (o = {}) => getApp().caseWorkflow.submit(o.retry === true),
    [COMMANDS.toggleOverlay]: () => getApp().caseWorkflow.setOverlayVisible(!getApp().state.overlay.visible),
    [COMMANDS.setOverlayOpacity]: (o = {}) => getApp().caseWorkflow.setOverlayOpacity(num(o, 'value')),
  };
  const definitions = Object.fromEntries(Object.entries(actions).map(([name, commandFn]) => [name, { commandFn }]));
  return { actions, definitions, defaultContext: COMMANDS_CONTEXT };
}
