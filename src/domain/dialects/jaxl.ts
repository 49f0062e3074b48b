import type { Dialect } from './dialect.ts';
import { JAXL_DEFAULT_PK, JAXL_EVENT, jaxlPk, writeJaxlRequest } from './jaxl-call.ts';
import { listedName } from './shaping.ts';
import { callPhaseOf } from '../catalogue/event-types.ts';
import { kazooNameOf } from '../catalogue/names.ts';

/**
 * Jaxl: `{pk, event, state, option, data}`. custom_data.pk is the Jaxl flow id the receiver
 * expects; the rest of custom_data and the payload's unmapped fields go in state.metadata.
 */
export const jaxl: Dialect = {
  name: 'jaxl',
  description: "Jaxl's webhook request {pk, event, state, option, data}, POST JSON",
  verbs: ['post'],
  formats: ['json'],
  carries: (type) => {
    const phase = callPhaseOf(type);
    return phase !== undefined && JAXL_EVENT[phase] !== undefined;
  },
  // jaxl-python's request model requires an integer pk: the flow id the receiver expects. A
  // webhook that names none sends JAXL_DEFAULT_PK, so its first try reaches the receiver.
  customDataRules: {
    pk: {
      valid: (value) => jaxlPk(value) !== undefined,
      message: "custom_data.pk is the receiver's Jaxl flow id: an integer, or a string of one",
      example: 1,
      default: JAXL_DEFAULT_PK,
    },
  },
  eventName: (type, webhook) => listedName(type, webhook, kazooNameOf),
  shape({ event, webhook, call }) {
    const { pk, ...customData } = webhook.customData ?? {};
    const extras = call?.extras ?? event.payload;
    return writeJaxlRequest(call?.call ?? {}, call?.phase ?? 'created', {
      pk: pk ?? JAXL_DEFAULT_PK,
      metadata: { ...extras, ...customData },
    });
  },
  signatureHeaders: () => ({}),
};
