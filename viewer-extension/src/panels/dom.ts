/** Plain-DOM helpers for the panels (no framework: the OHIF app does not share its React). */

type Child = Node | string | null | undefined | false;

export interface ElementProps {
  readonly className?: string;
  readonly testId?: string;
  readonly title?: string;
  readonly style?: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly on?: Readonly<Partial<Record<keyof HTMLElementEventMap, (event: Event) => void>>>;
}

/** `document.createElement` with class, test id, style, text, attributes and listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.testId) element.setAttribute('data-testid', props.testId);
  if (props.title) element.title = props.title;
  if (props.style) element.style.cssText = props.style;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  for (const [type, listener] of Object.entries(props.on ?? {})) if (listener) element.addEventListener(type, listener);
  for (const child of children) if (child) element.append(child);
  return element;
}

/**
 * A part of a panel that re-renders only when its key changes: typing in an input or dragging a
 * slider elsewhere in the panel does not rebuild (and so does not reset) this part.
 */
export class Section<S> {
  readonly element: HTMLDivElement;
  private lastKey: string | null = null;

  constructor(private readonly key: (state: S) => unknown, private readonly render: (state: S) => Child[], className = '') {
    this.element = h('div', { className });
  }

  update(state: S): void {
    const key = JSON.stringify(this.key(state));
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.element.replaceChildren(...this.render(state).filter((c): c is Node | string => Boolean(c)));
  }
}

/** Styles shared by the panels (OHIF's dark theme). */
export const STYLE = {
  panel: 'padding:8px;color:#e7e9ee;font:13px/1.35 system-ui,sans-serif',
  heading: 'font-weight:600;color:#5acce6;margin:10px 0 4px',
  muted: 'color:#9aa3b2',
  button: 'background:#0d2a45;color:#e7e9ee;border:1px solid #3a5a7a;border-radius:4px;padding:3px 8px;margin:2px 4px 2px 0;cursor:pointer',
  primary: 'background:#1e6fb8;color:#fff;border:1px solid #5acce6;border-radius:4px;padding:4px 10px;margin:4px 4px 4px 0;cursor:pointer;font-weight:600',
  active: 'background:#5acce6;color:#04121f;border:1px solid #5acce6;border-radius:4px;padding:3px 8px;margin:2px 4px 2px 0;cursor:pointer',
  input: 'background:#04121f;color:#e7e9ee;border:1px solid #3a5a7a;border-radius:4px;padding:3px 6px;width:100%;box-sizing:border-box',
  error: 'color:#ff8a80',
  success: 'color:#9be89b',
} as const;
