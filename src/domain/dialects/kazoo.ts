import type { CallSourceDialect, Subscriber } from './dialect.ts';
import { isKazooCall, readKazooCall, writeKazooCall } from './kazoo-call.ts';
import { withCustomData, translatedCall } from './shaping.ts';
import { ALL_HOOK, customDataFilterKeys, kazooFields } from '../catalogue/hooks.ts';
import { hookOf } from '../catalogue/names.ts';
import { gregorianSeconds } from '../kazoo-time.ts';

/** Kazoo's hook_event: the hook the subscriber named, or for `all` and event_types the event's own. */
function kazooEventName(type: string, webhook: Subscriber): string {
  if (webhook.hook === null || webhook.hook === ALL_HOOK) return hookOf(type) ?? type;
  return webhook.hook;
}

/** Kazoo: flat event fields + hook_event, account_id, timestamp, then custom_data on top. */
export const kazoo: CallSourceDialect = {
  name: 'kazoo',
  description: "Kazoo's flat payload: JSON, form-data or a GET query string",
  verbs: ['get', 'post', 'put'],
  formats: ['json', 'form-data'],
  carries: () => true,
  customDataRules: {},
  eventName: kazooEventName,
  shape(context) {
    const { event, webhook } = context;
    const call = translatedCall(context, 'kazoo', ({ call, phase }) =>
      writeKazooCall(call, phase === 'hungup'),
    );
    const fields = {
      ...(call ?? kazooFields(event.type, event.payload)),
      // The hook name as this subscriber knows it: a call_created reaches channel_create hooks.
      hook_event: kazooEventName(event.type, webhook),
      account_id: event.accountId,
      timestamp: (call ?? event.payload).timestamp ?? gregorianSeconds(event.created),
    };
    // The object and notifications hooks' filter keys are not payload (Kazoo strips them too).
    return withCustomData(fields, webhook.customData, customDataFilterKeys(webhook.hook));
  },
  signatureHeaders: () => ({}),
  callSource: {
    recognises: isKazooCall,
    read: (payload, phase) => readKazooCall(payload, phase === 'hungup'),
  },
};
