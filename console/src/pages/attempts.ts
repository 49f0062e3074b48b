import { get, type Page } from '../api.ts';
import { field, h, show } from '../dom.ts';
import { act } from '../feedback.ts';
import { go, links, type Route } from '../router.ts';
import { attemptItem } from '../timeline.ts';
import type { Attempt, WebhookSummary } from '../types.ts';

/**
 * The filters the attempts API takes. One entry per filter: the control, and how its value goes
 * into the query string — a new filter of the API is one more entry here.
 */
interface Filter {
  name: string;
  label: string;
  control(value: string): HTMLInputElement | HTMLSelectElement;
  /** The query value for the API ('' leaves the filter out). */
  toQuery?(value: string): string;
}

const localTime = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const isoOf = (local: string) => (local ? new Date(local).toISOString() : '');

export const ATTEMPT_FILTERS: Filter[] = [
  {
    name: 'result',
    label: 'Result',
    control: (value) =>
      h(
        'select',
        { name: 'result' },
        [
          ['', 'Any'],
          ['success', 'Success'],
          ['failure', 'Failure'],
        ].map(([v, t]) => h('option', { value: v, selected: v === value }, t)),
      ),
  },
  {
    name: 'created_from',
    label: 'From',
    control: (value) =>
      h('input', { name: 'created_from', type: 'datetime-local', value: localTime(value) }),
    toQuery: isoOf,
  },
  {
    name: 'created_to',
    label: 'To',
    control: (value) =>
      h('input', { name: 'created_to', type: 'datetime-local', value: localTime(value) }),
    toQuery: isoOf,
  },
];

export async function attemptsPage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const hooks = await get<WebhookSummary[]>(`/accounts/${accountId}/webhooks`, { paginate: false });
  const webhookId = route.query.get('webhook') ?? '';
  const webhook = h(
    'select',
    { name: 'webhook' },
    h('option', { value: '' }, 'All webhooks'),
    hooks.data.map((w) => h('option', { value: w.id, selected: w.id === webhookId }, w.name)),
  );
  const controls = ATTEMPT_FILTERS.map((f) => ({
    f,
    control: f.control(route.query.get(f.name) ?? ''),
  }));
  const query: Record<string, string> = {};
  for (const { f } of controls) {
    const raw = route.query.get(f.name) ?? '';
    const value = f.toQuery ? f.toQuery(raw) : raw;
    if (value) query[f.name] = value;
  }
  const path = webhookId
    ? `/accounts/${accountId}/webhooks/${webhookId}/attempts`
    : `/accounts/${accountId}/webhooks/attempts`;
  const list = h('ol', { class: 'timeline' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const count = h('p', { 'aria-live': 'polite' });
  let shown = 0;
  const append = (page: Page<Attempt[]>) => {
    page.data.forEach((a) => list.appendChild(attemptItem(a, !webhookId)));
    shown += page.data.length;
    count.textContent =
      shown === 0
        ? 'No attempts match.'
        : `${shown} attempt(s)${page.next_start_key ? ', more available' : ''}.`;
    more.hidden = !page.next_start_key;
    more.onclick = () =>
      act(
        more,
        'Loading',
        () => get<Attempt[]>(path, { ...query, page_size: 50, start_key: page.next_start_key }),
        {
          done: (p) => (append(p), `Loaded ${p.data.length} more.`),
        },
      );
  };
  append(await get<Attempt[]>(path, { ...query, page_size: 50 }));

  const submit = h('button', { type: 'submit', class: 'primary' }, 'Search');
  const form = h(
    'form',
    {
      class: 'card filters',
      role: 'search',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const params = new URLSearchParams();
        if (webhook.value) params.set('webhook', webhook.value);
        // The page's own address keeps the filters as typed: a search can be bookmarked or shared.
        for (const { f, control } of controls) {
          const value = f.toQuery ? f.toQuery(control.value) : control.value;
          if (value) params.set(f.name, value);
        }
        go(links.attempts(accountId, params));
      },
    },
    field('Webhook', webhook),
    controls.map(({ f, control }) => field(f.label, control)),
    h('div', { class: 'form-buttons' }, submit),
  );
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Attempts'),
    form,
    count,
    list,
    more,
    webhookId
      ? h(
          'p',
          {},
          "To deliver this webhook's failures again, use Recover on ",
          h('a', { href: links.webhook(accountId, webhookId) }, 'its page'),
          '.',
        )
      : null,
  );
  return 'Attempts';
}
