import { ApiFailure } from './api.ts';
import { h, show } from './dom.ts';
import { alertError, clearAlert } from './feedback.ts';
import { links, parseRoute, type Route } from './router.ts';
import { session, takeLinkFromUrl } from './session.ts';
import { signInPage } from './pages/signin.ts';
import { treePage } from './pages/tree.ts';
import { webhooksPage } from './pages/webhooks.ts';
import { webhookFormPage } from './pages/webhook-form.ts';
import { webhookPage } from './pages/webhook.ts';
import { attemptsPage } from './pages/attempts.ts';
import { eventsPage } from './pages/events.ts';
import { cataloguePage } from './pages/catalogue.ts';
import { testEventPage } from './pages/test-event.ts';

export type PageRenderer = (main: HTMLElement, route: Route) => Promise<string>;

const PAGES: Record<string, PageRenderer> = {
  tree: treePage,
  webhooks: webhooksPage,
  'webhook-new': webhookFormPage,
  'webhook-edit': webhookFormPage,
  webhook: webhookPage,
  attempts: attemptsPage,
  events: eventsPage,
  'test-event': testEventPage,
  catalogue: cataloguePage,
};

function renderNav(route: Route): void {
  const nav = document.getElementById('nav')!;
  const current = session.current();
  if (!current) return show(nav);
  const a = route.accountId ?? current.accountId;
  const item = (href: string, text: string, page: string[]) =>
    h('li', {}, h('a', { href, 'aria-current': page.includes(route.page) ? 'page' : null }, text));
  show(
    nav,
    h(
      'ul',
      {},
      item(links.tree(a), 'Accounts', ['tree']),
      item(links.webhooks(a), 'Webhooks', ['webhooks', 'webhook', 'webhook-new', 'webhook-edit']),
      item(links.attempts(a), 'Attempts', ['attempts']),
      item(links.events(a), 'Events', ['events']),
      item(links.catalogue(), 'Catalogue', ['catalogue']),
      item(links.testEvent(a), 'Test event', ['test-event']),
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              session.end();
              location.hash = '#/';
              render();
            },
          },
          'Sign out',
        ),
      ),
    ),
    current.mode === 'read' ? h('span', { class: 'badge' }, 'Read-only link') : null,
  );
}

async function render(): Promise<void> {
  takeLinkFromUrl();
  const route = parseRoute(location.hash);
  const main = document.getElementById('main')!;
  clearAlert();
  renderNav(route);
  const current = session.current();
  if (!current) {
    document.title = 'Sign in · Switchboard console';
    await signInPage(main, () => render());
    return;
  }
  const renderer = PAGES[route.page];
  if (!renderer) {
    location.replace(links.webhooks(current.accountId));
    return;
  }
  main.setAttribute('aria-busy', 'true');
  show(main, h('p', { class: 'loading' }, 'Loading…'));
  try {
    const title = await renderer(main, route);
    document.title = `${title} · Switchboard console`;
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) session.end();
    show(main, h('h1', { tabindex: '-1' }, 'Could not load this page'));
    alertError(error);
  } finally {
    main.removeAttribute('aria-busy');
    // Focus the page's heading so keyboard and screen-reader users start at the new content, or
    // the first field the API refused when the page opened with refused filters.
    (
      main.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      main.querySelector<HTMLElement>('h1')
    )?.focus();
  }
}

window.addEventListener('hashchange', () => void render());
void render();
