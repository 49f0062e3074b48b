import { ApiFailure, get, send } from '../api.ts';
import { field, h, show } from '../dom.ts';
import { act } from '../feedback.ts';
import { clearFieldErrors, showFieldErrors } from '../form-errors.ts';
import { go, links, type Route } from '../router.ts';
import type { Webhook } from '../types.ts';

interface Listing {
  id: string;
  name: string;
  description?: string;
}

function select(name: string, options: Array<[string, string]>, value: string) {
  return h(
    'select',
    { name },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}

/** Create (PUT) or edit (PATCH: fields the form does not show are kept) a webhook. */
export async function webhookFormPage(main: HTMLElement, route: Route): Promise<string> {
  const accountId = route.accountId!;
  const editing = route.webhookId;
  const [hooks, types, existing] = await Promise.all([
    get<Listing[]>('/webhooks'),
    get<Listing[]>('/webhooks/event_types'),
    editing ? get<Webhook>(`/accounts/${accountId}/webhooks/${editing}`).then((r) => r.data) : null,
  ]);
  const w: Partial<Webhook> = existing ?? {
    http_verb: 'post',
    format: 'json',
    retries: 2,
    enabled: true,
  };
  const byTypes = Boolean(w.event_types?.length);

  const name = h('input', { name: 'name', value: w.name ?? '', required: true, maxlength: 128 });
  const uri = h('input', {
    name: 'uri',
    type: 'url',
    value: w.uri ?? '',
    required: true,
    inputmode: 'url',
    placeholder: 'https://example.com/hooks',
  });
  const verb = select(
    'http_verb',
    [
      ['post', 'POST'],
      ['put', 'PUT'],
      ['get', 'GET'],
    ],
    w.http_verb ?? 'post',
  );
  const format = select(
    'format',
    [
      ['json', 'JSON'],
      ['form-data', 'Form data'],
    ],
    w.format ?? 'json',
  );
  const subscribe = select(
    'subscribe',
    [
      ['hook', 'A Kazoo hook'],
      ['event_types', 'VoIPBIN event types'],
    ],
    byTypes ? 'event_types' : 'hook',
  );
  const hook = select(
    'hook',
    [
      ['all', 'all — every event'],
      ...hooks.data.map((x): [string, string] => [x.id, `${x.id} — ${x.name}`]),
    ],
    w.hook ?? 'channel_create',
  );
  const eventTypes = h('input', {
    name: 'event_types',
    value: (w.event_types ?? []).join(', '),
    list: 'event-type-list',
    placeholder: 'call_created, call_hungup',
  });
  const retries = h('input', {
    name: 'retries',
    type: 'number',
    min: 0,
    max: 4,
    value: w.retries ?? 2,
  });
  const subaccounts = h('input', {
    name: 'include_subaccounts',
    type: 'checkbox',
    checked: Boolean(w.include_subaccounts),
  });
  const enabled = h('input', { name: 'enabled', type: 'checkbox', checked: w.enabled !== false });
  const customData = h('textarea', { name: 'custom_data', rows: 3, spellcheck: 'false' });
  customData.value = w.custom_data ? JSON.stringify(w.custom_data, null, 2) : '';

  const hookField = field('Hook', hook);
  const typesField = field(
    'Event types',
    eventTypes,
    `Comma-separated: ${types.data.map((t) => t.id).join(', ')}`,
  );
  const syncSubscription = () => {
    hookField.hidden = subscribe.value !== 'hook';
    typesField.hidden = subscribe.value !== 'event_types';
  };
  subscribe.addEventListener('change', syncSubscription);
  syncSubscription();

  const submit = h(
    'button',
    { type: 'submit', class: 'primary' },
    editing ? 'Save changes' : 'Create webhook',
  );
  const form: HTMLFormElement = h(
    'form',
    { class: 'card', novalidate: true },
    field('Name', name),
    field(
      'URI',
      uri,
      'Absolute http(s) URL; basic-auth credentials are allowed and never shown again.',
    ),
    h('div', { class: 'row' }, field('HTTP verb', verb), field('Format', format)),
    field('Subscribe to', subscribe),
    hookField,
    typesField,
    h(
      'datalist',
      { id: 'event-type-list' },
      types.data.map((t) => h('option', { value: t.id })),
    ),
    field('Retries', retries, '0–4 retries after the first try.'),
    h(
      'div',
      { class: 'field check', 'data-field': 'include_subaccounts' },
      subaccounts,
      h('label', { for: 'f-include_subaccounts' }, 'Also receive events of sub-accounts'),
    ),
    h(
      'div',
      { class: 'field check', 'data-field': 'enabled' },
      enabled,
      h('label', { for: 'f-enabled' }, 'Enabled'),
    ),
    field(
      'Custom data (JSON object)',
      customData,
      'Merged into every payload, e.g. {"tenant": "acme"}.',
    ),
    h(
      'div',
      { class: 'form-buttons' },
      submit,
      h(
        'a',
        {
          href: existing ? links.webhook(accountId, existing.id) : links.webhooks(accountId),
          class: 'button',
        },
        'Cancel',
      ),
    ),
  );
  subaccounts.id = 'f-include_subaccounts';
  enabled.id = 'f-enabled';

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const data: Record<string, unknown> = {
      name: name.value,
      uri: uri.value,
      http_verb: verb.value,
      format: format.value,
      include_subaccounts: subaccounts.checked,
      enabled: enabled.checked,
    };
    // Sent as typed so the API's own rule (0–4, an integer) speaks, not the browser's.
    if (retries.value !== '') data.retries = Number(retries.value);
    if (subscribe.value === 'hook') {
      data.hook = hook.value;
      if (existing) data.event_types = null;
    } else {
      data.event_types = eventTypes.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (existing) data.hook = null;
    }
    if (customData.value.trim() !== '') {
      try {
        data.custom_data = JSON.parse(customData.value);
      } catch {
        showFieldErrors(form, {
          custom_data: { format: { message: 'must be JSON, e.g. {"tenant": "acme"}' } },
        });
        return;
      }
    } else if (existing?.custom_data) data.custom_data = null;
    const saved = await act(
      submit,
      editing ? 'Saving' : 'Creating',
      () =>
        existing
          ? send<Webhook>('PATCH', `/accounts/${accountId}/webhooks/${existing.id}`, data)
          : send<Webhook>('PUT', `/accounts/${accountId}/webhooks`, data),
      {
        done: () => (editing ? 'Saved.' : 'Created.'),
        failed: (error: ApiFailure) => showFieldErrors(form, error.fields),
      },
    );
    if (saved) go(links.webhook(accountId, saved.data.id));
  });

  const title = existing ? `Edit ${existing.name}` : 'New webhook';
  show(main, h('h1', { tabindex: '-1' }, title), form);
  return title;
}
