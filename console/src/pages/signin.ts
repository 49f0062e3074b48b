import { call } from '../api.ts';
import { field, h, show } from '../dom.ts';
import { act } from '../feedback.ts';
import { session } from '../session.ts';

/** Sign in with an API key: exchanged for a one-hour token; the key itself is not kept. */
export async function signInPage(main: HTMLElement, signedIn: () => void): Promise<void> {
  const key = h('input', {
    name: 'api_key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const answer = await act(
          submit,
          'Signing in',
          () =>
            call<{ account_id: string; account_name: string; expires: string }>(
              'PUT',
              '/api_auth',
              {
                data: { api_key: key.value.trim() },
                anonymous: true,
              },
            ),
          { done: () => 'Signed in.' },
        );
        if (!answer) return key.focus();
        const { auth_token } = answer as unknown as { auth_token: string };
        session.start({
          token: auth_token,
          accountId: answer.data.account_id,
          accountName: answer.data.account_name,
          expires: answer.data.expires,
        });
        location.hash = `#/a/${answer.data.account_id}/webhooks`;
        signedIn();
      },
    },
    field('API key', key, 'Your key is exchanged for a one-hour session token and not stored.'),
    submit,
  );
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Sign in'),
    h('p', {}, 'Sign in with an API key, or open a console link your provider gave you.'),
    form,
  );
  main.querySelector('h1')?.focus();
}
