import { h, STYLE } from './dom';

/** Test id of the dialog (the end-to-end test signs in through it). */
export const SIGN_IN_DIALOG = 'scanselect-sign-in-dialog';

/**
 * The sign-in dialog, shown over any page of the viewer while no token is stored: without one
 * the server's DICOMweb proxy refuses every request, so OHIF could show neither a study list nor
 * a study (it would redirect to "study not found"). `verify` checks the token against the API
 * and answers an error message, or null when it is good; then `done` runs (the caller reloads
 * the page the user first asked for).
 */
export function showSignInDialog(verify: (token: string) => Promise<string | null>, done: () => void, reason: string | null = null): () => void {
  document.querySelector(`[data-testid="${SIGN_IN_DIALOG}"]`)?.remove();
  const input = h('input', { testId: 'scanselect-dialog-token', style: STYLE.input, attrs: { type: 'password', placeholder: 'ScanSelect token', autocomplete: 'off', 'aria-label': 'ScanSelect token' } });
  const message = h('div', { testId: 'scanselect-dialog-message', style: `${STYLE.error};min-height:1.3em;margin-top:6px`, text: reason ?? '' });
  const button = h('button', { testId: 'scanselect-dialog-sign-in', style: STYLE.primary, text: 'Sign in', attrs: { type: 'submit' } });
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    button.setAttribute('disabled', '');
    message.textContent = '';
    const error = await verify(input.value.trim()).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    button.removeAttribute('disabled');
    if (error) {
      message.textContent = error;
      return;
    }
    overlay.remove();
    done();
  };
  const form = h('form', { style: `${STYLE.panel};background:#0b1a2b;border:1px solid #3a5a7a;border-radius:8px;width:360px;box-shadow:0 8px 32px #000a`, on: { submit: (e) => void submit(e) } },
    h('div', { style: 'font-size:16px;font-weight:600;color:#5acce6;margin-bottom:6px', text: 'ScanSelect sign-in' }),
    h('div', { style: `${STYLE.muted};margin-bottom:8px`, text: 'The viewer reads images through the ScanSelect server. Paste the token your administrator gave you; it is kept in this browser tab only.' }),
    input, message, button);
  const overlay = h('div', { testId: SIGN_IN_DIALOG, style: 'position:fixed;inset:0;z-index:100000;background:#000c;display:flex;align-items:center;justify-content:center' }, form);
  document.body.append(overlay);
  input.focus();
  return () => overlay.remove();
}
