import { get, send } from '../api.ts';
import { h, show } from '../dom.ts';
import { act } from '../feedback.ts';
import { HEALTH_TEXT, healthOf } from '../health.ts';
import { go, links, type Route } from '../router.ts';
import { session } from '../session.ts';
import type { Account, Attempt, Webhook, WebhookSummary } from '../types.ts';

/** The newest attempts of the account, by webhook: enough for each webhook's health mark. */
async function recentAttemptsByHook(accountId: string): Promise<Map<string, Attempt[]>> {
  const page = await get<Attempt[]>(`/accounts/${accountId}/webhooks/attempts`, { page_size: 500 });
  const byHook = new Map<string, Attempt[]>();
  for (const a of page.data) byHook.set(a.hook_id, [...(byHook.get(a.hook_id) ?? []), a]);
  return byHook;
}

export function stateText(w: Pick<Webhook, 'enabled' | 'disable_reason'>): string {
  if (w.enabled) return 'Enabled';
  return w.disable_reason ? `Disabled by the system: ${w.disable_reason}` : 'Disabled';
}

export async function webhooksPage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const [account, list, attempts] = await Promise.all([
    get<Account>(`/accounts/${accountId}`),
    get<WebhookSummary[]>(`/accounts/${accountId}/webhooks`, { paginate: false }),
    recentAttemptsByHook(accountId),
  ]);
  // The circuit is on each webhook's own document.
  const details = await Promise.all(
    list.data.map((w) =>
      get<Webhook>(`/accounts/${accountId}/webhooks/${w.id}`).then((r) => r.data),
    ),
  );
  const readOnly = session.readOnly();
  const rows = details.map((w) => {
    const health = healthOf(attempts.get(w.id) ?? []);
    const toggle = h(
      'button',
      {
        type: 'button',
        disabled: readOnly,
        'aria-label': `${w.enabled ? 'Disable' : 'Enable'} ${w.name}`,
        onclick: async () => {
          const done = await act(toggle, w.enabled ? 'Disabling' : 'Enabling', () =>
            send('PATCH', `/accounts/${accountId}/webhooks/${w.id}`, { enabled: !w.enabled }),
          );
          if (done) go(links.webhooks(accountId));
        },
      },
      w.enabled ? 'Disable' : 'Enable',
    );
    return h(
      'tr',
      { 'data-webhook': w.id },
      h('th', { scope: 'row' }, h('a', { href: links.webhook(accountId, w.id) }, w.name)),
      h('td', { class: 'uri' }, w.uri),
      h('td', {}, w.hook ?? (w.event_types ?? []).join(', ')),
      h(
        'td',
        {},
        h(
          'span',
          { class: `health ${health.mark}` },
          HEALTH_TEXT[health.mark],
          health.successRate !== undefined ? ` (${Math.round(health.successRate * 100)}%)` : '',
        ),
      ),
      h(
        'td',
        {},
        h(
          'span',
          { class: `circuit ${w.circuit?.state ?? 'closed'}` },
          w.circuit?.state ?? 'closed',
        ),
      ),
      h('td', { class: 'state' }, stateText(w)),
      h(
        'td',
        { class: 'row-actions' },
        toggle,
        readOnly
          ? null
          : h('a', { href: links.editWebhook(accountId, w.id), class: 'button' }, 'Edit'),
      ),
    );
  });
  const reenable = h(
    'button',
    {
      type: 'button',
      disabled: readOnly,
      onclick: async () => {
        const done = await act(
          reenable,
          'Re-enabling',
          () =>
            send<{ reenabled: number }>('PATCH', `/accounts/${accountId}/webhooks`, {
              're-enable': true,
            }),
          { done: (r) => `Re-enabled ${r.data.reenabled} webhook(s).` },
        );
        if (done && done.data.reenabled > 0) go(links.webhooks(accountId));
      },
    },
    'Re-enable disabled webhooks',
  );
  show(
    main,
    h('h1', { tabindex: '-1' }, `Webhooks of ${account.data.name}`),
    h(
      'div',
      { class: 'actions' },
      readOnly
        ? null
        : h('a', { href: links.newWebhook(accountId), class: 'button primary' }, 'New webhook'),
      reenable,
    ),
    details.length === 0
      ? h('p', {}, 'No webhooks yet.')
      : h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            {},
            h(
              'caption',
              { class: 'visually-hidden' },
              'Webhooks, with health from their recent attempts',
            ),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Name', 'URI', 'Events', 'Health', 'Circuit', 'State', 'Actions'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
  );
  return `Webhooks of ${account.data.name}`;
}
