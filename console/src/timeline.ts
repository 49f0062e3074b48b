import { h, when } from './dom.ts';
import type { Attempt } from './types.ts';

function headersBlock(headers: Record<string, string> | null): HTMLElement {
  if (!headers || Object.keys(headers).length === 0) return h('p', { class: 'muted' }, 'none');
  return h(
    'dl',
    { class: 'headers' },
    Object.entries(headers).map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
  );
}

function bodyBlock(body: string | null): HTMLElement {
  if (body === null || body === '') return h('p', { class: 'muted' }, 'empty');
  let text = body;
  try {
    text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // not JSON: shown as sent
  }
  return h('pre', { class: 'body', tabindex: '0' }, text);
}

/** One attempt: what was sent and what came back, with its outcome. */
export function attemptItem(a: Attempt, showHook = false): HTMLLIElement {
  const ok = a.result === 'success';
  const status = a.resp_status_code ?? '—';
  const error = a.error_code ?? a.client_error;
  return h(
    'li',
    { class: `attempt ${ok ? 'ok' : 'failed'}`, 'data-attempt': a.id },
    h(
      'details',
      {},
      h(
        'summary',
        {},
        h('span', { class: `result ${ok ? 'ok' : 'failed'}` }, ok ? 'Success' : 'Failure'),
        ' ',
        h('time', { datetime: a.created }, when(a.created)),
        ` · ${a.hook_event} · status ${status} · ${a.duration_ms} ms · try ${a.try}`,
        error ? ` · ${error}` : '',
        showHook ? ` · webhook ${a.hook_id.slice(0, 8)}` : '',
      ),
      h(
        'div',
        { class: 'exchange' },
        h(
          'section',
          {},
          h('h3', {}, 'Request'),
          h('p', { class: 'mono' }, `${a.method.toUpperCase()} ${a.uri}`),
          h('h4', {}, 'Headers'),
          headersBlock(a.req_headers),
          h('h4', {}, 'Body'),
          bodyBlock(a.req_body),
        ),
        h(
          'section',
          {},
          h('h3', {}, 'Response'),
          h(
            'p',
            {},
            `Status ${status} · ${a.duration_ms} ms`,
            error ? ` · error ${error}` : '',
            a.error_message ? ` — ${a.error_message}` : '',
          ),
          h('h4', {}, 'Headers'),
          headersBlock(a.resp_headers),
          h('h4', {}, 'Body'),
          bodyBlock(a.resp_body),
          h(
            'p',
            { class: 'muted' },
            `event ${a.event_id} · delivery ${a.delivery_id} · retries left ${a.retries_left}`,
          ),
        ),
      ),
    ),
  );
}

export function timeline(attempts: Attempt[], showHook = false): HTMLElement {
  if (attempts.length === 0) return h('p', { class: 'muted' }, 'No attempts yet.');
  return h(
    'ol',
    { class: 'timeline' },
    attempts.map((a) => attemptItem(a, showHook)),
  );
}
