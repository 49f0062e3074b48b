import type { CallSourceDialect } from './dialect.ts';
import { isJambonzCall, readJambonzCall, writeJambonzCall } from './jambonz-call.ts';
import { listedName, translatedCall, withCustomData } from './shaping.ts';
import { callPhaseOf } from '../catalogue/event-types.ts';
import { kazooNameOf } from '../catalogue/names.ts';
import { jambonzSignature } from '../signing.ts';

/** jambonz: the flat call-status payload (call_sid, call_status, sip_status…), custom_data on top. */
export const jambonz: CallSourceDialect = {
  name: 'jambonz',
  description: "jambonz's call-status payload, POST JSON or GET query, with Jambonz-Signature",
  verbs: ['post', 'get'],
  formats: ['json'],
  carries: (type) => callPhaseOf(type) !== undefined,
  customDataRules: {},
  eventName: (type, webhook) => listedName(type, webhook, kazooNameOf),
  shape(context) {
    const call = translatedCall(context, 'jambonz', ({ call }) => writeJambonzCall(call));
    return withCustomData(call ?? context.event.payload, context.webhook.customData);
  },
  signatureHeaders: ({ secrets, timestamp, method, body }) => ({
    // jambonz's verifier HMACs JSON.stringify(req.body): our compact JSON body, or for a GET the
    // empty object Express's JSON parser leaves on a request without a body.
    'jambonz-signature': jambonzSignature(secrets, timestamp, method === 'GET' ? '{}' : body),
  }),
  callSource: { recognises: isJambonzCall, read: (payload) => readJambonzCall(payload) },
};
