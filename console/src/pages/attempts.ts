import { get, queryChoices } from '../api.ts';
import { replaySection } from '../bulk-replay.ts';
import { field, h, show } from '../dom.ts';
import { go, links, type Route } from '../router.ts';
import {
  TIME_RANGE,
  choiceFilter,
  pagedResults,
  queryOf,
  searchForm,
  textFilter,
  type Filter,
} from '../search-form.ts';
import { attemptItem } from '../timeline.ts';
import type { Attempt, WebhookSummary } from '../types.ts';

/**
 * The filters the attempts API takes (docs/api-conventions.md, "Searching the log"). One entry
 * per filter: the control, and how its value goes into the query string — a new filter of the API
 * is one more entry here. The values of a choice are those the API's OpenAPI document lists.
 */
export const ATTEMPT_FILTERS: Filter[] = [
  choiceFilter('result', 'Result', 'Any', { success: 'Success', failure: 'Failure' }),
  textFilter('status_code', 'Status code', 'The response status, 100–599.', {
    type: 'number',
    inputmode: 'numeric',
  }),
  choiceFilter('error_code', 'Error code', 'Any'),
  choiceFilter('event_type', 'Event type', 'Any'),
  textFilter('event_id', 'Event id'),
  textFilter('call_id', 'Call id', "Kazoo's call_id, VoIPBIN's id or jambonz's call_sid."),
  ...TIME_RANGE,
];

/** A replay's body takes the same filters as JSON: the status code as a number. */
function replayFilters(query: Record<string, string>, webhookId: string): Record<string, unknown> {
  return {
    ...query,
    ...(query.status_code ? { status_code: Number(query.status_code) } : {}),
    ...(webhookId ? { webhook_ids: [webhookId] } : {}),
  };
}

export async function attemptsPage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const [hooks, choices] = await Promise.all([
    get<WebhookSummary[]>(`/accounts/${accountId}/webhooks`, { paginate: false }),
    queryChoices('/accounts/{accountId}/webhooks/attempts'),
  ]);
  const webhookId = route.query.get('webhook') ?? '';
  const webhook = h(
    'select',
    { name: 'webhook' },
    h('option', { value: '' }, 'All webhooks'),
    hooks.data.map((w) => h('option', { value: w.id, selected: w.id === webhookId }, w.name)),
  );
  const query = queryOf(ATTEMPT_FILTERS, route.query);
  const listPath = webhookId
    ? `/accounts/${accountId}/webhooks/${webhookId}/attempts`
    : `/accounts/${accountId}/webhooks/attempts`;
  const list = h('ol', { class: 'timeline' });
  const results = pagedResults<Attempt>(
    'attempt',
    (startKey) => get<Attempt[]>(listPath, { ...query, page_size: 50, start_key: startKey }),
    (a) => list.appendChild(attemptItem(a, !webhookId)),
  );
  const refused = await results.load();

  const search = searchForm(
    ATTEMPT_FILTERS,
    route.query,
    choices,
    (params) => {
      if (webhook.value) params.set('webhook', webhook.value);
      go(links.attempts(accountId, params));
    },
    field('Webhook', webhook),
  );
  const hookName = hooks.data.find((w) => w.id === webhookId)?.name;
  const summary = [
    hookName ? `webhook ${hookName}` : 'every webhook of the account',
    ...Object.entries(query).map(([k, v]) => `${k} ${v}`),
  ].join(', ');
  const replay = replaySection(
    accountId,
    {
      filters: replayFilters(query, webhookId),
      summary,
      blocked: refused ? 'Correct the filters first: the search was refused.' : undefined,
    },
    route.query.get('replay') ?? undefined,
    // Kept in the address (without a new navigation), so a reload shows the replay again.
    (replayId) => {
      const params = new URLSearchParams(route.query);
      params.set('replay', replayId);
      history.replaceState(null, '', links.attempts(accountId, params));
    },
  );
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Attempts'),
    search.form,
    results.count,
    list,
    results.more,
    replay,
  );
  if (refused) search.refused(refused);
  return 'Attempts';
}
