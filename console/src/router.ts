/** Hash routes: #/a/{account}/webhooks/{webhook}?filter=… — no server round trip per page. */
export interface Route {
  page: string;
  accountId?: string;
  webhookId?: string;
  query: URLSearchParams;
}

const PATTERNS: Array<[RegExp, string, Array<'accountId' | 'webhookId'>]> = [
  [/^\/a\/([0-9a-f]{32})\/tree$/, 'tree', ['accountId']],
  [/^\/a\/([0-9a-f]{32})\/webhooks$/, 'webhooks', ['accountId']],
  [/^\/a\/([0-9a-f]{32})\/webhooks\/new$/, 'webhook-new', ['accountId']],
  [/^\/a\/([0-9a-f]{32})\/webhooks\/([0-9a-f]{32})$/, 'webhook', ['accountId', 'webhookId']],
  [
    /^\/a\/([0-9a-f]{32})\/webhooks\/([0-9a-f]{32})\/edit$/,
    'webhook-edit',
    ['accountId', 'webhookId'],
  ],
  [/^\/a\/([0-9a-f]{32})\/attempts$/, 'attempts', ['accountId']],
  [/^\/a\/([0-9a-f]{32})\/events$/, 'events', ['accountId']],
  [/^\/a\/([0-9a-f]{32})\/test$/, 'test-event', ['accountId']],
  [/^\/catalogue$/, 'catalogue', []],
];

export function parseRoute(hash: string): Route {
  const [path, qs = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(qs);
  for (const [pattern, page, names] of PATTERNS) {
    const m = pattern.exec(path);
    if (m) {
      const route: Route = { page, query };
      names.forEach((name, i) => (route[name] = m[i + 1]));
      return route;
    }
  }
  return { page: 'home', query };
}

export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

const withQuery = (path: string, query?: URLSearchParams) =>
  query && query.toString() ? `${path}?${query}` : path;

export const links = {
  tree: (a: string) => `#/a/${a}/tree`,
  webhooks: (a: string) => `#/a/${a}/webhooks`,
  newWebhook: (a: string) => `#/a/${a}/webhooks/new`,
  webhook: (a: string, w: string) => `#/a/${a}/webhooks/${w}`,
  editWebhook: (a: string, w: string) => `#/a/${a}/webhooks/${w}/edit`,
  attempts: (a: string, query?: URLSearchParams) => withQuery(`#/a/${a}/attempts`, query),
  events: (a: string, query?: URLSearchParams) => withQuery(`#/a/${a}/events`, query),
  testEvent: (a: string) => `#/a/${a}/test`,
  catalogue: () => '#/catalogue',
};
