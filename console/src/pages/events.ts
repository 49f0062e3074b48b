import { get, queryChoices } from '../api.ts';
import { h, show, when } from '../dom.ts';
import { go, links, type Route } from '../router.ts';
import {
  TIME_RANGE,
  choiceFilter,
  pagedResults,
  queryOf,
  searchForm,
  type Filter,
  textFilter,
} from '../search-form.ts';
import type { EventSummary } from '../types.ts';

/** The filters the events list takes (docs/api-conventions.md, after "Searching the log"). */
export const EVENT_FILTERS: Filter[] = [
  choiceFilter('type', 'Event type', 'Any'),
  textFilter('call_id', 'Call id', "Kazoo's call_id, VoIPBIN's id or jambonz's call_sid."),
  choiceFilter('state', 'Delivery state', 'Any', {
    failed: 'Failed (a delivery failed)',
    pending: 'Pending (one still pending)',
    delivered: 'Delivered (all delivered)',
  }),
  ...TIME_RANGE,
];

const STATE_TEXT: Record<EventSummary['state'], string> = {
  failed: 'Failed',
  pending: 'Pending',
  delivered: 'Delivered',
  none: 'No delivery',
};

function eventRow(accountId: string, e: EventSummary): HTMLTableRowElement {
  const d = e.deliveries;
  return h(
    'tr',
    { 'data-event': e.id },
    h('td', {}, h('time', { datetime: e.created }, when(e.created))),
    h('td', {}, e.type),
    h('td', { class: 'mono' }, e.call_id ?? '—'),
    h(
      'td',
      {},
      h(
        'span',
        {
          class: `result ${e.state === 'failed' ? 'failed' : e.state === 'delivered' ? 'ok' : ''}`,
        },
        STATE_TEXT[e.state],
      ),
    ),
    h(
      'td',
      {},
      `${d.delivered} delivered, ${d.failed} failed, ${d.pending} pending, ${d.skipped} skipped`,
    ),
    h(
      'td',
      {},
      h(
        'a',
        {
          href: links.attempts(accountId, new URLSearchParams({ event_id: e.id })),
          'aria-label': `Attempts of event ${e.id}`,
        },
        'Attempts',
      ),
    ),
  );
}

/** The account's events, newest first, by type, call, delivery state and time. */
export async function eventsPage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const path = `/accounts/${accountId}/events`;
  const choices = await queryChoices('/accounts/{accountId}/events');
  const query = queryOf(EVENT_FILTERS, route.query);
  const body = h('tbody');
  const results = pagedResults<EventSummary>(
    'event',
    (startKey) => get<EventSummary[]>(path, { ...query, page_size: 50, start_key: startKey }),
    (e) => body.appendChild(eventRow(accountId, e)),
  );
  const refused = await results.load();
  const search = searchForm(EVENT_FILTERS, route.query, choices, (params) =>
    go(links.events(accountId, params)),
  );
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Events'),
    search.form,
    results.count,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'events' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Created', 'Type', 'Call', 'State', 'Deliveries', 'Log'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        body,
      ),
    ),
    results.more,
  );
  if (refused) search.refused(refused);
  return 'Events';
}
