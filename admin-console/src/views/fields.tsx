import type { ComponentChildren } from 'preact';
import type { FieldError } from '../api';

/** The server's field errors, looked up by dotted path. */
export class FieldErrors {
  constructor(readonly all: readonly FieldError[] = []) {}

  at(field: string): string[] {
    return this.all.filter((e) => e.field === field).map((e) => e.message);
  }

  /** Errors of a group (`budget`) not shown at one of its `shown` fields. */
  group(group: string, shown: readonly string[]): string[] {
    return this.all.filter((e) => (e.field === group || e.field.startsWith(`${group}.`)) && !shown.includes(e.field)).map((e) => e.message);
  }
}

const idOf = (path: string): string => `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** A labelled input with its help and the server's errors for its path beside it (aria-invalid, aria-describedby). */
export function Field({ path, label, help, errors, children }: { path: string; label: string; help?: string; errors: FieldErrors; children: (props: InputProps) => ComponentChildren }) {
  const id = idOf(path);
  const messages = errors.at(path);
  const describedBy = [help ? `${id}-help` : null, messages.length > 0 ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${messages.length > 0 ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, name: path, 'aria-invalid': messages.length > 0 ? 'true' : undefined, 'aria-describedby': describedBy })}
      {help && <p id={`${id}-help`} class="help">{help}</p>}
      {messages.length > 0 && <p id={`${id}-error`} class="field-error">{messages.join('; ')}</p>}
    </div>
  );
}

export interface InputProps {
  readonly id: string;
  readonly name: string;
  readonly 'aria-invalid': 'true' | undefined;
  readonly 'aria-describedby': string | undefined;
}

/** Errors of a fieldset as a whole (e.g. "the cold start exceeds the total"). */
export function GroupErrors({ messages }: { messages: readonly string[] }) {
  return messages.length > 0 ? <p class="field-error" role="alert">{messages.join('; ')}</p> : null;
}

/** Every field error at the top of a form, each linked to its field. */
export function ErrorSummary({ errors, message }: { errors: FieldErrors; message: string | null }) {
  if (!message && errors.all.length === 0) return null;
  return (
    <div class="error-summary" role="alert">
      <p>{message ?? 'Some settings need attention:'}</p>
      {errors.all.length > 0 && (
        <ul>
          {errors.all.map((e) => <li key={`${e.field}:${e.message}`}><a href={`#${idOf(e.field)}`} onClick={(ev) => { ev.preventDefault(); focusField(e.field); }}>{e.field || 'settings'}</a>: {e.message}</li>)}
        </ul>
      )}
    </div>
  );
}

function focusField(field: string): void {
  // The field itself, or the first input of its group.
  const el = document.getElementById(idOf(field)) ?? document.querySelector<HTMLElement>(`[name^="${field}"]`);
  el?.focus();
}
