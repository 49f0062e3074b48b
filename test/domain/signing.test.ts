import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../src/domain/errors.ts';
import {
  activeSecrets,
  generateSecret,
  isValidSecret,
  jambonzSignature,
  redactHeaders,
  rotateSecret,
  secretKeyBytes,
  signatureHeader,
  standardSignature,
  voipbinSignature,
  voipbinSignatures,
  type PreviousSecret,
} from '../../src/domain/signing.ts';

// The Standard Webhooks / Svix published test vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const nowSec = () => Math.floor(Date.now() / 1000);

function headersFor(secrets: string[], msgId: string, timestamp: number, body: string) {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, msgId, timestamp, body),
  };
}

describe('secrets', () => {
  it('generates whsec_ + base64 of 24 random bytes, different each time', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(secretKeyBytes(secret)).toHaveLength(24);
    expect(generateSecret()).not.toBe(secret);
    expect(isValidSecret(secret)).toBe(true);
  });

  it('the key bytes are the base64-decoded part after whsec_', () => {
    expect(secretKeyBytes('whsec_AAECAw==')).toEqual(Buffer.from([0, 1, 2, 3]));
    expect(secretKeyBytes('AAECAw==')).toEqual(Buffer.from([0, 1, 2, 3]));
  });

  it.each<[string, boolean]>([
    [VECTOR.secret, true],
    ['whsec_' + Buffer.alloc(64, 7).toString('base64'), true],
    ['whsec_' + Buffer.alloc(23, 7).toString('base64'), false], // too short
    ['whsec_' + Buffer.alloc(65, 7).toString('base64'), false], // too long
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false], // no prefix
    ['whsec_not base64 at all!!!!!!!!!!!!!', false],
  ])('isValidSecret(%j) is %s', (secret, expected) => {
    expect(isValidSecret(secret)).toBe(expected);
  });
});

describe('Standard Webhooks signature', () => {
  it('matches the published test vector', () => {
    expect(standardSignature(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.body)).toBe(
      VECTOR.signature,
    );
  });

  it('is accepted unchanged by the official standardwebhooks verifier', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'call_hungup', data: { id: 'c1', caller: 'Zoë' } });
    const headers = headersFor([secret], 'dlv_1', nowSec(), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({
      type: 'call_hungup',
      data: { id: 'c1', caller: 'Zoë' },
    });
  });

  it('signs a form-data body (not JSON) that the verifier accepts', () => {
    const secret = generateSecret();
    const body = 'hook_event=channel_create&ccv[a]=1';
    const headers = headersFor([secret], 'dlv_2', nowSec(), body);
    expect(() => new Webhook(secret).verify(body, headers, { jsonParse: false })).not.toThrow();
  });

  it('during rotation, a receiver that knows only the old secret still verifies', () => {
    const oldSecret = generateSecret();
    const rotated = rotateSecret(oldSecret, [], new Date());
    const secrets = activeSecrets(rotated.secret, rotated.previousSecrets, new Date());
    expect(secrets).toEqual([rotated.secret, oldSecret]);

    const body = '{"hook_event":"channel_destroy"}';
    const headers = headersFor(secrets, 'dlv_3', nowSec(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual({ hook_event: 'channel_destroy' });
    expect(new Webhook(rotated.secret).verify(body, headers)).toEqual({
      hook_event: 'channel_destroy',
    });
  });

  it('a tampered body, another id or another secret is rejected', () => {
    const secret = generateSecret();
    const body = '{"amount":1}';
    const headers = headersFor([secret], 'dlv_4', nowSec(), body);
    expect(() => new Webhook(secret).verify('{"amount":9}', headers)).toThrow(
      'No matching signature found',
    );
    expect(() =>
      new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'dlv_other' }),
    ).toThrow('No matching signature found');
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow(
      'No matching signature found',
    );
  });

  it('signatureHeader joins one v1 signature per secret with spaces', () => {
    const other = 'whsec_' + Buffer.alloc(24, 1).toString('base64');
    expect(
      signatureHeader([VECTOR.secret, other], VECTOR.msgId, VECTOR.timestamp, VECTOR.body),
    ).toBe(
      `${VECTOR.signature} ${standardSignature(other, VECTOR.msgId, VECTOR.timestamp, VECTOR.body)}`,
    );
    expect(signatureHeader([], 'x', 1, '')).toBe('');
  });
});

describe('jambonz signature', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, keyed with the secret string', () => {
    // Cross-checked with: printf '%s' "$T.$BODY" | openssl dgst -sha256 -hmac "$SECRET"
    expect(jambonzSignature([VECTOR.secret], VECTOR.timestamp, VECTOR.body)).toBe(
      't=1614265330,v1=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964',
    );
  });

  it('carries one v1 per active secret, which is what its verifier looks through', () => {
    const other = 'whsec_' + Buffer.alloc(24, 1).toString('base64');
    const header = jambonzSignature([VECTOR.secret, other], VECTOR.timestamp, VECTOR.body);
    expect(header.split(',')).toHaveLength(3);
    expect(
      header.startsWith(jambonzSignature([VECTOR.secret], VECTOR.timestamp, VECTOR.body)),
    ).toBe(true);
  });
});

describe('webhook-signature for content that is not JSON', () => {
  it('signs the content and the content as a JSON string, so both verifier calls accept it', () => {
    const form = 'call_id=c1&hook_event=channel_create';
    const header = signatureHeader([VECTOR.secret], VECTOR.msgId, nowSec(), form, false);
    const headers = {
      'webhook-id': VECTOR.msgId,
      'webhook-timestamp': header ? String(nowSec()) : '',
      'webhook-signature': header,
    };
    const wh = new Webhook(VECTOR.secret);
    expect(wh.verify(JSON.stringify(form), headers)).toBe(form);
    expect(wh.verify(form, headers, { jsonParse: false })).toBeUndefined();
    expect(() => wh.verify(JSON.stringify(form + '&x=1'), headers)).toThrow(
      WebhookVerificationError,
    );
  });
});

describe('VoIPBIN signature', () => {
  it('is sha256=<hex HMAC-SHA256 of the body>, keyed with the whole whsec_ string as shown', () => {
    // Cross-checked with: printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET"
    expect(voipbinSignature(VECTOR.secret, VECTOR.body)).toBe(
      'sha256=80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c',
    );
  });

  it('gives one value per active secret, the current one first', () => {
    const other = 'whsec_' + Buffer.alloc(24, 1).toString('base64');
    expect(voipbinSignatures([VECTOR.secret, other], VECTOR.body)).toEqual([
      voipbinSignature(VECTOR.secret, VECTOR.body),
      voipbinSignature(other, VECTOR.body),
    ]);
  });

  it('changes when the body changes', () => {
    expect(voipbinSignature(VECTOR.secret, VECTOR.body + ' ')).not.toBe(
      voipbinSignature(VECTOR.secret, VECTOR.body),
    );
  });
});

describe('rotation', () => {
  const NOW = new Date('2026-11-23T10:00:00.000Z');
  const A = 'whsec_' + Buffer.alloc(24, 0xa).toString('base64');
  const B = 'whsec_' + Buffer.alloc(24, 0xb).toString('base64');
  const C = 'whsec_' + Buffer.alloc(24, 0xc).toString('base64');

  it('keeps the old secret valid for 24 hours by default', () => {
    expect(rotateSecret(A, [], NOW, undefined, B)).toEqual({
      secret: B,
      previousSecrets: [{ secret: A, expires: '2026-11-24T10:00:00.000Z' }],
    });
  });

  it('honours a custom grace period; 0 retires the old key at once', () => {
    expect(rotateSecret(A, [], NOW, 60_000, B).previousSecrets).toEqual([
      { secret: A, expires: '2026-11-23T10:01:00.000Z' },
    ]);
    expect(rotateSecret(A, [], NOW, 0, B).previousSecrets).toEqual([]);
  });

  it('puts the newest old key first and drops expired ones', () => {
    const previous: PreviousSecret[] = [
      { secret: B, expires: '2026-11-23T12:00:00.000Z' },
      { secret: C, expires: '2026-11-23T09:59:59.999Z' }, // already expired
    ];
    expect(rotateSecret(A, previous, NOW, undefined, generateSecret()).previousSecrets).toEqual([
      { secret: A, expires: '2026-11-24T10:00:00.000Z' },
      { secret: B, expires: '2026-11-23T12:00:00.000Z' },
    ]);
  });

  it('keeps at most 10 old keys', () => {
    let state = { secret: generateSecret(), previousSecrets: [] as PreviousSecret[] };
    const retired: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      retired.unshift(state.secret);
      state = rotateSecret(state.secret, state.previousSecrets, NOW);
    }
    expect(state.previousSecrets.map((p) => p.secret)).toEqual(retired.slice(0, 10));
  });

  it('generates a new secret unless one is given, and refuses a malformed one', () => {
    const rotated = rotateSecret(A, [], NOW);
    expect(isValidSecret(rotated.secret)).toBe(true);
    expect(rotated.secret).not.toBe(A);
    expect(() => rotateSecret(A, [], NOW, undefined, 'whsec_short')).toThrow(InvalidInput);
  });

  it('rotating back to a still-valid old key does not list it twice', () => {
    const previous = [{ secret: B, expires: '2026-11-24T00:00:00.000Z' }];
    expect(
      rotateSecret(A, previous, NOW, undefined, B).previousSecrets.map((p) => p.secret),
    ).toEqual([A]);
  });

  it.each<[string, string, string[]]>([
    ['before expiry', '2026-11-24T09:59:59.999Z', [B, A]],
    ['at expiry', '2026-11-24T10:00:00.000Z', [B]],
    ['after expiry', '2026-11-25T00:00:00.000Z', [B]],
  ])('activeSecrets %s', (_name, at, expected) => {
    const previous = [{ secret: A, expires: '2026-11-24T10:00:00.000Z' }];
    expect(activeSecrets(B, previous, new Date(at))).toEqual(expected);
  });
});

describe('redactHeaders (attempts log)', () => {
  it('hides credentials and keeps signatures and ordinary headers', () => {
    expect(
      redactHeaders({
        'Content-Type': 'application/json',
        Authorization: 'Basic dXNlcjpwYXNz',
        'Proxy-Authorization': 'Basic eA==',
        Cookie: 'sid=1',
        'Set-Cookie': 'sid=2',
        'X-Auth-Token': 'tok',
        'X-Api-Key': 'k',
        'X-Client-Secret': 's',
        'webhook-id': 'dlv_1',
        'webhook-timestamp': '1614265330',
        'webhook-signature': 'v1,abc',
        'X-VoIPBIN-Signature': 'sha256=abc',
        'X-Hook-ID': 'h1',
        'User-Agent': 'Switchboard/0.1.0',
      }),
    ).toEqual({
      'Content-Type': 'application/json',
      Authorization: '[redacted]',
      'Proxy-Authorization': '[redacted]',
      Cookie: '[redacted]',
      'Set-Cookie': '[redacted]',
      'X-Auth-Token': '[redacted]',
      'X-Api-Key': '[redacted]',
      'X-Client-Secret': '[redacted]',
      'webhook-id': 'dlv_1',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,abc',
      'X-VoIPBIN-Signature': 'sha256=abc',
      'X-Hook-ID': 'h1',
      'User-Agent': 'Switchboard/0.1.0',
    });
  });
});
