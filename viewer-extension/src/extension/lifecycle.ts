import { getApp } from './appHolder';

/** OHIF calls these for every extension of the mode, each time a study is opened or left. */
export function onModeEnter(): void {
  getApp().onModeEnter();
}

export function onModeExit(): void {
  getApp().onModeExit();
}
