import { get, send } from '../api.ts';
import { latencyChart, successRateChart } from '../charts.ts';
import { field, h, show, when } from '../dom.ts';
import { act } from '../feedback.ts';
import { HEALTH_TEXT, bucketsOf, healthOf } from '../health.ts';
import { go, links, type Route } from '../router.ts';
import { session } from '../session.ts';
import { timeline } from '../timeline.ts';
import type { Attempt, Webhook } from '../types.ts';
import { stateText } from './webhooks.ts';

const ATTEMPTS_SHOWN = 100;

function secretSection(accountId: string, w: Webhook, readOnly: boolean): HTMLElement {
  const shown = h('output', { class: 'mono secret', 'aria-live': 'polite' }, '••••••••');
  const base = `/accounts/${accountId}/webhooks/${w.id}/secret`;
  const reveal: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      'aria-expanded': 'false',
      onclick: async () => {
        if (reveal.getAttribute('aria-expanded') === 'true') {
          shown.textContent = '••••••••';
          reveal.setAttribute('aria-expanded', 'false');
          reveal.textContent = 'Reveal';
          return;
        }
        const r = await act(reveal, 'Reading', () => get<{ secret: string }>(base), {
          done: () => 'Secret shown.',
        });
        if (!r) return;
        shown.textContent = r.data.secret;
        reveal.setAttribute('aria-expanded', 'true');
        reveal.textContent = 'Hide';
      },
    },
    'Reveal',
  );
  const rotate: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      disabled: readOnly,
      onclick: async () => {
        if (!confirm('Rotate the signing secret? The old one keeps signing for its grace period.'))
          return;
        const r = await act(
          rotate,
          'Rotating',
          () => send<{ secret: string; active_secrets: string[] }>('PUT', base, {}),
          {
            done: (x) =>
              `Rotated: ${x.data.active_secrets.length} secret(s) sign during the grace period.`,
          },
        );
        if (!r) return;
        shown.textContent = r.data.secret;
        reveal.setAttribute('aria-expanded', 'true');
        reveal.textContent = 'Hide';
      },
    },
    'Rotate',
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'secret-h' },
    h('h2', { id: 'secret-h' }, 'Signing secret'),
    h('p', {}, shown),
    h('div', { class: 'actions' }, reveal, rotate),
  );
}

function recoverSection(accountId: string, w: Webhook, readOnly: boolean): HTMLElement {
  const since = h('input', { name: 'since', type: 'datetime-local', required: true });
  since.value = new Date(Date.now() - 24 * 3600_000 - new Date().getTimezoneOffset() * 60_000)
    .toISOString()
    .slice(0, 16);
  const submit = h('button', { type: 'submit', disabled: readOnly }, 'Recover failed deliveries');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'recover-h' },
    h('h2', { id: 'recover-h' }, 'Recover'),
    h('p', {}, 'Deliver again every failed delivery of this webhook since a time.'),
    h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          await act(
            submit,
            'Recovering',
            () =>
              send<{ recovered: number }>(
                'POST',
                `/accounts/${accountId}/webhooks/${w.id}/recover`,
                {
                  since: new Date(since.value).toISOString(),
                },
              ),
            { done: (r) => `${r.data.recovered} failed deliveries queued again.` },
          );
        },
      },
      field('Since', since),
      submit,
    ),
  );
}

export async function webhookPage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const webhookId = route.webhookId!;
  const [hook, attempts] = await Promise.all([
    get<Webhook>(`/accounts/${accountId}/webhooks/${webhookId}`),
    get<Attempt[]>(`/accounts/${accountId}/webhooks/${webhookId}/attempts`, {
      page_size: ATTEMPTS_SHOWN,
    }),
  ]);
  const w = hook.data;
  const readOnly = session.readOnly();
  const health = healthOf(attempts.data);
  const buckets = bucketsOf(attempts.data);
  const refresh = h(
    'button',
    { type: 'button', onclick: () => go(links.webhook(accountId, webhookId)) },
    'Refresh',
  );
  const facts: Array<[string, string]> = [
    ['URI', w.uri],
    ['Verb and format', `${w.http_verb.toUpperCase()} · ${w.format}`],
    ['Events', w.hook ?? (w.event_types ?? []).join(', ')],
    ['Retries', String(w.retries)],
    ['State', stateText(w)],
    [
      'Health',
      `${HEALTH_TEXT[health.mark]}${health.successRate !== undefined ? ` (${Math.round(health.successRate * 100)}% of the last ${Math.min(20, attempts.data.length)})` : ''}`,
    ],
    [
      'Circuit',
      `${w.circuit?.state ?? 'closed'}${w.circuit?.until ? ` until ${when(w.circuit.until)}` : ''} · ${w.circuit?.failures ?? 0} consecutive failures`,
    ],
    ['Modified', when(w.modified)],
  ];
  show(
    main,
    h('h1', { tabindex: '-1' }, w.name),
    h(
      'div',
      { class: 'actions' },
      readOnly
        ? null
        : h('a', { href: links.editWebhook(accountId, w.id), class: 'button' }, 'Edit'),
      h(
        'a',
        {
          href: links.attempts(accountId, new URLSearchParams({ webhook: w.id })),
          class: 'button',
        },
        'Search its attempts',
      ),
      refresh,
    ),
    h(
      'dl',
      { class: 'facts card' },
      facts.map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k }, v)]),
    ),
    h(
      'div',
      { class: 'grid' },
      secretSection(accountId, w, readOnly),
      recoverSection(accountId, w, readOnly),
    ),
    h(
      'section',
      { 'aria-labelledby': 'charts-h' },
      h('h2', { id: 'charts-h' }, `Last ${attempts.data.length} attempts`),
      h('div', { class: 'charts' }, successRateChart(buckets), latencyChart(buckets)),
    ),
    h(
      'section',
      { 'aria-labelledby': 'timeline-h' },
      h('h2', { id: 'timeline-h' }, 'Attempts'),
      timeline(attempts.data),
    ),
  );
  return w.name;
}
