import type { Dialect } from './dialect.ts';
import { writeStandardCall } from './standard-call.ts';
import { listedName, withCustomData } from './shaping.ts';
import { kazooNameOf } from '../catalogue/names.ts';

/**
 * Standard Webhooks' envelope `{type, timestamp, data}` (timestamp: when the event was accepted,
 * ISO 8601). A call is written in Switchboard's own call schema whatever shape it was published in.
 */
export const standard: Dialect = {
  name: 'standard',
  description: 'Standard Webhooks JSON envelope {type, timestamp, data}',
  verbs: ['post', 'put'],
  formats: ['json'],
  carries: () => true,
  customDataRules: {},
  eventName: (type, webhook) => listedName(type, webhook, kazooNameOf),
  shape({ event, webhook, call }) {
    const data = call ? { ...call.extras, ...writeStandardCall(call.call) } : event.payload;
    return {
      type: standard.eventName(event.type, webhook),
      timestamp: event.created.toISOString(),
      data: withCustomData(data, webhook.customData),
    };
  },
  // Standard Webhooks' own headers are on every request, whatever the dialect.
  signatureHeaders: () => ({}),
};
