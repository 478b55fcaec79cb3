/**
 * A panel without React: OHIF renders a panel's `component` with its own React, which the
 * prebuilt app does not expose to run-time extensions. The component returns a React element
 * built by hand — a host `<div>` with a stable callback ref — and React never touches the div's
 * children (it has none in its props), so plain DOM can be rendered into it. No hooks: the
 * function runs under OHIF's React dispatcher.
 */

/** React 18's element tag (React 19 would be `react.transitional.element`; the app ships 18.3.1). */
const REACT_ELEMENT = Symbol.for('react.element');

/** The minimal shape of a React 18 element for a host component. */
export interface HostElement {
  readonly $$typeof: symbol;
  readonly type: 'div';
  readonly key: null;
  readonly ref: (node: HTMLDivElement | null) => void;
  readonly props: Readonly<Record<string, unknown>>;
  readonly _owner: null;
  readonly _store: Record<string, never>;
}

/**
 * A function component for OHIF's panel module: mounts a `<div>` and calls `mount(node)` once
 * it is in the document and `unmount()` when React removes it. The ref function is created once
 * per component, so React does not detach and re-attach it on every render.
 */
export function hostComponent(testId: string, mount: (node: HTMLDivElement) => void, unmount: () => void): () => HostElement {
  const ref = (node: HTMLDivElement | null): void => {
    if (node) mount(node);
    else unmount();
  };
  const element: HostElement = {
    $$typeof: REACT_ELEMENT,
    type: 'div',
    key: null,
    ref,
    props: { 'data-testid': testId, className: 'scanselect-panel', style: { height: '100%', overflow: 'auto' } },
    _owner: null,
    _store: {},
  };
  return () => element;
}
