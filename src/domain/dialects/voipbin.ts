import type { CallSourceDialect } from './dialect.ts';
import { isVoipbinCall, readVoipbinCall, writeVoipbinCall } from './voipbin-call.ts';
import { listedName, translatedCall, withCustomData } from './shaping.ts';
import { voipbinNameOf } from '../catalogue/names.ts';

/** VoIPBIN: `{type, data}`, a call as VoIPBIN's call resource, named as the subscriber knows it. */
export const voipbin: CallSourceDialect = {
  name: 'voipbin',
  description: "VoIPBIN's {type, data} envelope, call events as VoIPBIN's call resource",
  verbs: ['get', 'post', 'put'],
  formats: ['json', 'form-data'],
  carries: () => true,
  customDataRules: {},
  eventName: (type, webhook) => listedName(type, webhook, voipbinNameOf),
  shape(context) {
    const { event, webhook } = context;
    const call = translatedCall(context, 'voipbin', ({ call, phase }) =>
      writeVoipbinCall(call, phase),
    );
    return {
      type: voipbin.eventName(event.type, webhook),
      data: withCustomData(call ?? event.payload, webhook.customData),
    };
  },
  // X-VoIPBIN-Signature is on every request, whatever the dialect (attempt-request.ts).
  signatureHeaders: () => ({}),
  callSource: { recognises: isVoipbinCall, read: (payload) => readVoipbinCall(payload) },
};
