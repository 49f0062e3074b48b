import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { WebhookResponse } from '@jambonz/node-client';

/**
 * Receivers written the way each platform's documentation tells its users to write them (in our
 * own code), on 127.0.0.1 only. Each records what it accepted and answers an error status for
 * anything it cannot verify or read, so a test fails when a delivery does not fit.
 */

export interface Accepted {
  path: string;
  method: string;
  fields: Record<string, unknown>;
  rawHeaders: string[];
}

export interface PlatformReceiver {
  url: string;
  accepted: Accepted[];
  refused: { path: string; status: number; reason: string }[];
  close(): Promise<void>;
}

/** Secrets the receivers were given; set once the webhooks (and so their secrets) exist. */
export interface ReceiverSecrets {
  voipbin?: string;
  /** jambonz's verifier takes a list: one receiver app here serves two jambonz webhooks. */
  jambonz?: string[];
}

const refusal: (r: PlatformReceiver) => ErrorRequestHandler = (r) => (err, req, res, _next) => {
  r.refused.push({ path: req.path, status: 403, reason: String(err?.message ?? err) });
  res.status(403).json({ error: String(err?.message ?? err) });
};

/** Reads a field the handler needs; a missing one is a 422, as a strict handler's KeyError would be. */
function need(obj: unknown, ...path: string[]): unknown {
  let value: unknown = obj;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  if (value === undefined || value === null || value === '')
    throw Object.assign(new Error(`missing ${path.join('.')}`), { status: 422 });
  return value;
}

export async function startPlatformReceivers(secrets: ReceiverSecrets): Promise<PlatformReceiver> {
  const app = express();
  const receiver: PlatformReceiver = {
    url: '',
    accepted: [],
    refused: [],
    close: async () => {},
  };
  const accept = (req: Request, fields: Record<string, unknown>) =>
    receiver.accepted.push({
      path: req.baseUrl + req.path,
      method: req.method,
      fields,
      rawHeaders: req.rawHeaders,
    });

  // VoIPBIN's webhook tutorial: express.json, HMAC-SHA256 of the raw body with the secret it was
  // given, compared with the X-VoIPBIN-Signature header; then the envelope's type and data.
  app.post(
    '/voipbin/webhook',
    express.json({
      verify: (req, _res, buf) => ((req as Request & { rawBody?: Buffer }).rawBody = buf),
    }),
    (req, res) => {
      const raw = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
      const expected = `sha256=${createHmac('sha256', secrets.voipbin ?? '')
        .update(raw)
        .digest('hex')}`;
      const given = req.get('X-VoIPBIN-Signature') ?? '';
      if (
        given.length !== expected.length ||
        !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
      ) {
        receiver.refused.push({ path: req.path, status: 403, reason: 'Invalid signature' });
        return res.status(403).json({ error: 'Invalid signature' });
      }
      const { type, data } = req.body;
      try {
        if (type === 'call_hungup') {
          accept(req, {
            type,
            id: need(data, 'id'),
            status: need(data, 'status'),
            hangup_reason: need(data, 'hangup_reason'),
            direction: need(data, 'direction'),
            from: need(data, 'source', 'target'),
            to: need(data, 'destination', 'target'),
            tm_hangup: need(data, 'tm_hangup'),
          });
        } else {
          accept(req, { type, id: need(data, 'id') });
        }
      } catch (err) {
        receiver.refused.push({ path: req.path, status: 422, reason: String(err) });
        return res.status(422).json({ error: String(err) });
      }
      res.status(200).json({ status: 'received' });
    },
  );

  // jambonz's Node client: express.json, then WebhookResponse.verifyJambonzSignature(secret).
  const jambonz = express.Router();
  jambonz.use(express.json());
  jambonz.use((req, res, next) =>
    WebhookResponse.verifyJambonzSignature(secrets.jambonz ?? [])(req, res, next),
  );
  const callStatus = (req: Request, res: express.Response) => {
    const params = req.method === 'GET' ? req.query : req.body;
    accept(req, {
      call_sid: need(params, 'call_sid'),
      call_status: need(params, 'call_status'),
      direction: need(params, 'direction'),
      from: need(params, 'from'),
      to: need(params, 'to'),
      sip_status: params.sip_status,
    });
    res.sendStatus(200);
  };
  jambonz.post('/call-status', callStatus);
  jambonz.get('/call-status', callStatus);
  // A jambonz application's call webhook: it answers the verbs to run, built with the client's
  // WebhookResponse (what the platform acts on, returned to it by invoke).
  jambonz.post('/call', (req, res) => {
    const from = need(req.body, 'from');
    accept(req, {
      call_sid: need(req.body, 'call_sid'),
      from,
      direction: need(req.body, 'direction'),
    });
    const app = new WebhookResponse();
    app.say({ text: `Hello ${String(from)}` }).hangup();
    res.status(200).json(app);
  });
  app.use('/jambonz', jambonz);

  // A Jaxl webhook handler (Jaxl's HTTP webhook spec): setup (1) answers a prompt, teardown (3) an ack.
  // Its request model (jaxl-python, pydantic) takes integer pk, state.call_id and state.direction
  // and string numbers; anything else is a 422, as that model's validation answers.
  app.post('/jaxl', express.json(), (req, res) => {
    const body = req.body;
    const event = need(body, 'event');
    if (![1, 2, 3].includes(event as number)) return res.status(400).json({ error: 'event' });
    const wrong = [
      ['pk', body.pk, 'integer'],
      ['state.call_id', body.state?.call_id, 'integer'],
      ['state.direction', body.state?.direction, 'integer'],
      ['state.from_number', body.state?.from_number, 'string'],
      ['state.to_number', body.state?.to_number, 'string'],
    ].filter(([, value, type]) =>
      type === 'integer' ? !Number.isSafeInteger(value) : typeof value !== 'string',
    );
    if (wrong.length > 0) {
      const reason = wrong.map(([field, , type]) => `${field}: not a valid ${type}`).join('; ');
      receiver.refused.push({ path: req.path, status: 422, reason });
      return res.status(422).json({ detail: reason });
    }
    accept(req, {
      pk: body.pk,
      event,
      call_id: need(body, 'state', 'call_id'),
      from_number: need(body, 'state', 'from_number'),
      to_number: need(body, 'state', 'to_number'),
      direction: need(body, 'state', 'direction'),
      original_call_id: body.state.metadata?.call_id,
      option: body.option,
      data: body.data,
    });
    res.json(
      event === 1
        ? { prompt: ['Welcome.', 'Press 1 for sales.'], num_characters: 1 }
        : { prompt: ['Bye'], num_characters: 0 },
    );
  });

  app.use(((err, req, res, next) => {
    if ((err as { status?: number }).status === 422) {
      receiver.refused.push({ path: req.path, status: 422, reason: String(err) });
      return res.status(422).json({ error: String(err) });
    }
    return refusal(receiver)(err, req, res, next);
  }) as ErrorRequestHandler);

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
