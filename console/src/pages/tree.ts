import { get, send } from '../api.ts';
import { h, show } from '../dom.ts';
import { act } from '../feedback.ts';
import { links, type Route } from '../router.ts';
import { session } from '../session.ts';
import type { Account } from '../types.ts';

/** Nested lists of the account and its descendants (as far as the sign-in may see). */
function nest(root: Account, all: Account[]): HTMLLIElement {
  const children = all.filter((a) => a.parent_id === root.id);
  return h(
    'li',
    {},
    h('a', { href: links.webhooks(root.id) }, root.name),
    h('span', { class: 'muted' }, ` ${root.id}`),
    children.length
      ? h(
          'ul',
          {},
          children.map((c) => nest(c, all)),
        )
      : null,
  );
}

export async function treePage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const [self, below] = await Promise.all([
    get<Account>(`/accounts/${accountId}`),
    get<Account[]>(`/accounts/${accountId}/descendants`, { paginate: false }),
  ]);
  const readOnly = session.readOnly();
  const reenable = (scope: 'account' | 'tree') => {
    const button = h(
      'button',
      {
        type: 'button',
        disabled: readOnly,
        onclick: () =>
          act(
            button,
            'Re-enabling',
            () =>
              send<{ reenabled: number }>(
                'PATCH',
                scope === 'tree'
                  ? `/accounts/${accountId}/descendants/webhooks`
                  : `/accounts/${accountId}/webhooks`,
                { 're-enable': true },
              ),
            { done: (r) => `Re-enabled ${r.data.reenabled} webhook(s).` },
          ),
      },
      scope === 'tree' ? 'Re-enable the whole tree' : `Re-enable ${self.data.name}'s webhooks`,
    );
    return button;
  };
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Accounts'),
    h(
      'p',
      {},
      'Webhooks the system disabled after repeated failures come back on re-enable; ones a person turned off stay off.',
    ),
    h('div', { class: 'actions' }, reenable('account'), reenable('tree')),
    h('ul', { class: 'tree' }, nest(self.data, below.data)),
  );
  return 'Accounts';
}
