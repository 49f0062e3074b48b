import { call, get } from './api.ts';
import { h } from './dom.ts';
import { act, alertError, announce } from './feedback.ts';
import { session } from './session.ts';
import type { Replay } from './types.ts';

/** How often a running replay is read again. */
const POLL_MS = 1_000;

const STATE_TEXT: Record<Replay['state'], string> = {
  running: 'Running',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

/** A key for the replay's Idempotency-Key, so a start sent twice starts one replay. */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function progressText(r: Replay): string {
  const counts = `${r.matched} matched, ${r.queued} queued, ${r.done} done`;
  if (r.state === 'completed' && r.matched === 0) return 'Completed: no failed delivery matched.';
  return `${STATE_TEXT[r.state]}: ${counts}.`;
}

export interface ReplayRequest {
  /** The filters of the search, as the replay's body takes them. */
  filters: Record<string, unknown>;
  /** How the filters read to a person, for the confirmation. */
  summary: string;
  /** Why a replay cannot start now (e.g. the search was refused), or undefined. */
  blocked?: string;
}

/**
 * "Replay failed deliveries matching these filters" (POST …/replays), confirmed first, then the
 * replay's progress (GET …/replays/{R}, polled until completed or cancelled) with a Cancel
 * button. `resumeId` shows a replay already started (its id is kept in the page's address).
 */
export function replaySection(
  accountId: string,
  request: ReplayRequest,
  resumeId: string | undefined,
  remember: (replayId: string) => void,
): HTMLElement {
  const readOnly = session.readOnly();
  const why = readOnly
    ? 'A read-only link cannot start a replay: it needs a manage link or key.'
    : request.blocked;
  const start = h(
    'button',
    {
      type: 'button',
      disabled: Boolean(why),
      'aria-describedby': why ? 'replay-why' : null,
    },
    'Replay failed deliveries matching these filters',
  );

  const progressHeading = h('h3', { id: 'replay-progress-h', tabindex: '-1' }, 'Replay');
  const bar = h('progress', { 'aria-labelledby': 'replay-progress-h' });
  const text = h('p', { class: 'replay-state', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const cancel = h('button', { type: 'button' }, 'Cancel replay');
  const retry = h('button', { type: 'button', hidden: true }, 'Check again');
  const progress = h(
    'div',
    { class: 'replay-progress', hidden: true, 'data-state': '' },
    progressHeading,
    bar,
    text,
    h('div', { class: 'actions' }, cancel, retry),
  );

  let replayId = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const showReplay = (r: Replay) => {
    progress.hidden = false;
    progress.dataset.state = r.state;
    progressHeading.textContent = `Replay ${r.id}`;
    // Unknown total while it is still finding deliveries: an indeterminate bar.
    if (r.queued > 0 || r.state !== 'running') {
      bar.max = Math.max(r.queued, 1);
      bar.value = r.queued > 0 ? r.done : 1;
    } else bar.removeAttribute('value');
    const line = progressText(r);
    if (text.textContent !== line) text.textContent = line;
    cancel.hidden = r.state !== 'running' || readOnly;
  };
  const poll = async () => {
    timer = undefined;
    // The page was left: stop asking.
    if (!progress.isConnected) return;
    try {
      const r = (await get<Replay>(`/accounts/${accountId}/replays/${replayId}`)).data;
      showReplay(r);
      retry.hidden = true;
      if (r.state === 'running') timer = setTimeout(poll, POLL_MS);
      else announce(progressText(r));
    } catch (error) {
      alertError(error);
      retry.hidden = false;
    }
  };
  const follow = (id: string, delay = 0) => {
    replayId = id;
    progress.hidden = false;
    if (timer) clearTimeout(timer);
    // After the current turn, so a section being rendered is on the page when it first asks.
    timer = setTimeout(poll, delay);
  };
  retry.onclick = () => follow(replayId);

  cancel.onclick = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const r = await act(
      cancel,
      'Cancelling',
      () => call<Replay>('DELETE', `/accounts/${accountId}/replays/${replayId}`),
      {
        // A replay that has queued every match has nothing left to stop: it ends with them.
        done: (x) =>
          x.data.state === 'cancelled'
            ? `Replay cancelled: ${x.data.queued} deliveries had been queued.`
            : 'Nothing left to cancel: every matching delivery is already queued, and the replay completes when they end.',
      },
    );
    if (r) showReplay(r.data);
    if (!r || r.data.state === 'running') follow(replayId, POLL_MS);
  };

  start.onclick = async () => {
    if (!confirm(`Deliver again, once, every failed delivery matching:\n${request.summary}?`))
      return;
    const r = await act(
      start,
      'Starting replay',
      () =>
        call<Replay>('POST', `/accounts/${accountId}/replays`, {
          data: request.filters,
          headers: { 'idempotency-key': idempotencyKey() },
        }),
      { done: (x) => `Replay ${x.data.id} started.` },
    );
    if (!r) return;
    remember(r.data.id);
    showReplay(r.data);
    // Keyboard and screen-reader users land on the progress, next to its Cancel button.
    progressHeading.focus();
    follow(r.data.id, POLL_MS);
  };

  if (resumeId) follow(resumeId);

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'replay-h' },
    h('h2', { id: 'replay-h' }, 'Replay failed deliveries'),
    h(
      'p',
      {},
      'Send again, once, every failed delivery that matches the filters of this search. Each ' +
        'keeps its webhook-id, so a receiver that already has it can drop the duplicate.',
    ),
    h('p', { class: 'mono replay-filters' }, request.summary),
    why ? h('p', { class: 'hint', id: 'replay-why' }, why) : null,
    start,
    progress,
  );
}
