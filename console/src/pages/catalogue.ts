import { get } from '../api.ts';
import { field, h, show } from '../dom.ts';
import { act } from '../feedback.ts';
import type { Route } from '../router.ts';

interface Listing {
  id: string;
  name: string;
  description?: string;
  dialects?: string[];
  modifiers?: Record<string, unknown>;
}

/** The hooks and event types a webhook may subscribe to, each with its sample in any dialect. */
export async function cataloguePage(main: HTMLElement, _route: Route): Promise<string> {
  const [hooks, types, dialects] = await Promise.all([
    get<Listing[]>('/webhooks'),
    get<Listing[]>('/webhooks/event_types'),
    get<Listing[]>('/webhooks/dialects'),
  ]);
  const entries = [...hooks.data, ...types.data];
  const which = h(
    'select',
    { name: 'sample' },
    h(
      'optgroup',
      { label: 'Kazoo hooks' },
      hooks.data.map((x) => h('option', { value: x.id }, x.id)),
    ),
    h(
      'optgroup',
      { label: 'Event types' },
      types.data.map((x) => h('option', { value: x.id }, x.id)),
    ),
  );
  const dialect = h(
    'select',
    { name: 'dialect' },
    h('option', { value: '' }, 'Its own shape'),
    dialects.data.map((d) => h('option', { value: d.id }, d.id)),
  );
  const out = h('pre', { class: 'body', tabindex: '0', 'aria-label': 'Sample payload' });
  const submit = h('button', { type: 'submit' }, 'Show sample');
  const showSample = async () => {
    const sample = await act(
      submit,
      'Loading sample',
      () =>
        get<unknown>(`/webhooks/samples/${encodeURIComponent(which.value)}`, {
          dialect: dialect.value || undefined,
        }),
      { done: () => `Sample of ${which.value}${dialect.value ? ` for ${dialect.value}` : ''}.` },
    );
    out.textContent = sample ? JSON.stringify(sample.data, null, 2) : 'No sample in this dialect.';
  };
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Event catalogue'),
    h(
      'form',
      { class: 'card filters', onsubmit: (e: Event) => (e.preventDefault(), void showSample()) },
      field('Hook or event type', which),
      field('Dialect', dialect),
      h('div', { class: 'form-buttons' }, submit),
    ),
    out,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Id', 'Name', 'Description', 'Dialects'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          entries.map((x) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, x.id),
              h('td', {}, x.name),
              h('td', {}, x.description ?? ''),
              h('td', {}, (x.dialects ?? []).join(', ')),
            ),
          ),
        ),
      ),
    ),
  );
  void showSample();
  return 'Event catalogue';
}
