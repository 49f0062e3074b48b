import { ApiFailure } from './api.ts';
import { h } from './dom.ts';

const statusEl = () => document.getElementById('status')!;
const alertEl = () => document.getElementById('alert')!;

/** A polite announcement (progress, success), also shown on the page. */
export function announce(text: string): void {
  statusEl().textContent = text;
}

/** An error, announced at once and shown until the next action. */
export function alertError(error: unknown): void {
  const text =
    error instanceof ApiFailure ? error.describe() : `Something went wrong: ${String(error)}`;
  alertEl().replaceChildren(h('p', {}, text));
}

export function clearAlert(): void {
  alertEl().replaceChildren();
}

export function clearFeedback(): void {
  statusEl().textContent = '';
  alertEl().replaceChildren();
}

/**
 * Runs an action started by `button`: the button is busy (disabled, labelled with what is
 * happening) until it ends; the outcome is announced, a failure shown as an alert.
 */
export async function act<T>(
  button: HTMLButtonElement | null,
  progress: string,
  action: () => Promise<T>,
  outcome: { done?: (result: T) => string; failed?: (error: ApiFailure) => void } = {},
): Promise<T | undefined> {
  clearFeedback();
  const label = button?.textContent ?? '';
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = `${progress}…`;
  }
  announce(`${progress}…`);
  try {
    const result = await action();
    announce(outcome.done ? outcome.done(result) : 'Done.');
    return result;
  } catch (error) {
    announce('');
    alertError(error);
    if (error instanceof ApiFailure) outcome.failed?.(error);
    if (!(error instanceof ApiFailure)) console.error(error);
    return undefined;
  } finally {
    if (button && button.isConnected) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = label;
    }
  }
}
