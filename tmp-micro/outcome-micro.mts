import pg from 'pg';
import { randomUUID } from 'node:crypto';
const client = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/sb_micro', options: '-c plan_cache_mode=force_generic_plan' });
await client.connect();
const now = new Date();
function attempt(withDay: boolean) {
  const a: Record<string, unknown> = {
    id: randomUUID(), delivery_id: randomUUID(), webhook_id: 'wh_' + randomUUID().slice(0, 12), account_id: 'acc_0123456789abcdef', event_id: 'ev_' + randomUUID(),
    hook_event: 'channel_create', uri: 'http://127.0.0.1:9999/hook', method: 'post',
    req_headers: { 'content-type': 'application/json', 'user-agent': 'Switchboard/0.1', 'webhook-id': randomUUID(), 'webhook-timestamp': '1796600000', 'webhook-signature': 'v1,' + 'x'.repeat(44), 'x-kazoo-hook': 'channel_create' },
    req_body: JSON.stringify({ account_id: 'acc_0123456789abcdef', call_id: randomUUID(), call_direction: 'inbound', caller_id_name: 'Alice', caller_id_number: '+15551234567', callee_id_number: '+15557654321', hook_event: 'channel_create', timestamp: 63900000000, other_leg_call_id: randomUUID(), custom_channel_vars: { a: 1, b: 'two' } }),
    resp_status_code: 200, resp_headers: { 'content-length': '2', date: now.toUTCString(), connection: 'keep-alive', 'keep-alive': 'timeout=5' }, resp_body: 'ok',
    try: 1, retries_left: 2, result: 'success', reason: null, client_error: null, duration_ms: 3, created: now,
  };
  if (withDay) a.event_created = now;
  return a;
}
const A = { name: 'a', text: `INSERT INTO attempts SELECT a.* FROM json_to_recordset($1::json) AS x(event_created timestamptz, attempt json) CROSS JOIN LATERAL json_populate_record(null::attempts, (x.attempt::jsonb || jsonb_build_object('event_created', x.event_created))::json) a` };
const B = { name: 'b', text: `INSERT INTO attempts SELECT * FROM json_populate_recordset(null::attempts, $1::json)` };
const CA = { name: 'ca', text: `SELECT count(*) FROM json_to_recordset($1::json) AS x(event_created timestamptz, attempt json) CROSS JOIN LATERAL json_populate_record(null::attempts, (x.attempt::jsonb || jsonb_build_object('event_created', x.event_created))::json) a` };
const CB = { name: 'cb', text: `SELECT count(*) FROM json_populate_recordset(null::attempts, $1::json)` };
const E = { name: 'e', text: `INSERT INTO attempts SELECT * FROM jsonb_populate_recordset(null::attempts, $1::jsonb)` };
const CE = { name: 'ce', text: `SELECT count(*) FROM jsonb_populate_recordset(null::attempts, $1::jsonb)` };
const rows = 26, calls = 300;
const t: Record<string, number> = { a: 0, b: 0, e: 0, ca: 0, cb: 0, ce: 0 };
for (let round = 0; round < 3; round++) {
  for (const s of [A, B, E, CA, CB, CE]) {
    const params = Array.from({ length: calls }, () => s.name.endsWith('a')
      ? JSON.stringify(Array.from({ length: rows }, () => ({ event_created: now, attempt: attempt(false) })))
      : JSON.stringify(Array.from({ length: rows }, () => attempt(true))));
    const started = performance.now();
    for (const p of params) await client.query({ name: s.name, text: s.text, values: [p] });
    if (round > 0) t[s.name] += performance.now() - started;
  }
}
for (const [k, v] of Object.entries(t)) console.log(k, (v / (2 * calls * rows) * 1000).toFixed(1), 'µs per row');
console.log('rows', (await client.query('select count(*) from attempts')).rows[0]);
await client.end();
