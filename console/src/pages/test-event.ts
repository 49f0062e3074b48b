import { get, send, type ApiFailure } from '../api.ts';
import { field, h, show } from '../dom.ts';
import { act } from '../feedback.ts';
import { clearFieldErrors, showFieldErrors } from '../form-errors.ts';
import { links, type Route } from '../router.ts';

interface Listing {
  id: string;
}

/**
 * Publishes one event into the account, as the platform would. Publishing is the platform's act:
 * it needs a sign-in whose key holds the `publish` scope, and a console link never does.
 */
export async function testEventPage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const types = await get<Listing[]>('/webhooks/event_types');
  const type = h(
    'select',
    { name: 'type' },
    types.data.map((t) => h('option', { value: t.id }, t.id)),
  );
  const payload = h('textarea', { name: 'payload', rows: 10, spellcheck: 'false' });
  const fillSample = async () => {
    const sample = await get<{ data?: Record<string, unknown> } & Record<string, unknown>>(
      `/webhooks/samples/${encodeURIComponent(type.value)}`,
    ).catch(() => null);
    // A sample shows the body as delivered; the event's payload is that without what delivery adds.
    const shown = { ...((sample?.data?.data ?? sample?.data ?? {}) as Record<string, unknown>) };
    for (const added of ['hook_event', 'account_id', 'timestamp']) delete shown[added];
    payload.value = JSON.stringify(shown, null, 2);
  };
  type.addEventListener('change', () => void fillSample());
  await fillSample();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Send test event');
  const result = h('div', { 'aria-live': 'polite' });
  const form: HTMLFormElement = h(
    'form',
    { class: 'card' },
    field('Event type', type),
    field('Payload (JSON object)', payload),
    h('div', { class: 'form-buttons' }, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    let body: unknown;
    try {
      body = JSON.parse(payload.value);
    } catch {
      showFieldErrors(form, { payload: { format: { message: 'must be JSON' } } });
      return;
    }
    const sent = await act(
      submit,
      'Sending',
      () =>
        send<{ ids: string[] }>('POST', `/accounts/${accountId}/events`, {
          type: type.value,
          payload: body,
        }),
      {
        done: (r) => `Accepted event ${r.data.ids.join(', ')}.`,
        failed: (error: ApiFailure) => showFieldErrors(form, error.fields),
      },
    );
    if (sent) {
      show(
        result,
        h(
          'p',
          {},
          `Event ${sent.data.ids.join(', ')} accepted. `,
          h('a', { href: links.attempts(accountId) }, 'Watch its attempts'),
          '.',
        ),
      );
    }
  });
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Send a test event'),
    h(
      'p',
      {},
      'Publishes one event into this account; every matching webhook gets it. This needs a key with the publish scope.',
    ),
    form,
    result,
  );
  return 'Send a test event';
}
