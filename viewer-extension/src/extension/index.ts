import { EXTENSION_ID } from '../ids';
import { getCommandsModule } from './getCommandsModule';
import { getPanelModule } from './getPanelModule';
import { onModeEnter, onModeExit } from './lifecycle';
import { preRegistration } from './preRegistration';

/**
 * The ScanSelect OHIF extension: loaded by the app at run time with `import()` from the URL in
 * app-config.js (`extensions`), which uses this module's default export.
 */
const extension = {
  id: EXTENSION_ID,
  preRegistration,
  getPanelModule,
  getCommandsModule,
  onModeEnter,
  onModeExit,
};

export default extension;
