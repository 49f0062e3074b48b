/**
 * A realistic producer payload for every event type, what the catalogue's samples show and what
 * a sample in a dialect is shaped from. Ids and values are made up but shaped like real Kazoo /
 * VoIPBIN payloads.
 */

const SAMPLE_ACCOUNT_ID = '5a2d994fbae69b1d6b01eb9f0e7dfe62';
const SAMPLE_CUSTOMER_ID = '5e4a0680-804e-11ec-8477-2fea5968d85b';
/** Kazoo timestamps are gregorian seconds (unix seconds + 62167219200). */
const SAMPLE_GREGORIAN = 63_897_840_000;
/** VoIPBIN marks "not happened yet" with this far-future time. */
const VOIPBIN_NEVER = '9999-01-01 00:00:00.000000';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const CHANNEL_BASE = {
  account_id: SAMPLE_ACCOUNT_ID,
  authorizing_id: '7f2b66a620cf9523d349cc5de8f21f37',
  authorizing_type: 'device',
  call_direction: 'inbound',
  call_forwarded: false,
  call_id: 'NDlkNGI3OTZlMDgzNWQxNGYxNTA3NjQ4NDZjNDFkOTc',
  callee_id_name: 'Sales',
  callee_id_number: '+15557654321',
  caller_id_name: 'Alice',
  caller_id_number: '+15551234567',
  custom_channel_vars: {},
  emergency_resource_used: false,
  from: '+15551234567@sip.example.com',
  inception: 'offnet',
  is_internal_leg: false,
  local_resource_used: false,
  other_leg_call_id: 'af1e1e12f1bcf519a96f2235ab8eeec4',
  owner_id: 'd860229e722bf8f738737365b0b1e333',
  request: '+15557654321@sip.example.com',
  reseller_id: SAMPLE_ACCOUNT_ID,
  timestamp: SAMPLE_GREGORIAN,
  to: '+15557654321@sip.example.com',
};

const DOC_BASE = {
  id: 'c4c0ad092e57bc1d28e69bbd20dad932',
  account_id: SAMPLE_ACCOUNT_ID,
  type: 'user',
};

const voipbinAddress = (target: string, name = '') => ({
  type: 'tel',
  target,
  target_name: name,
  name: '',
  detail: '',
});

const CALL = {
  id: '9a4b8e2c-7c1f-11ee-9d43-0f6b3a4c6f01',
  customer_id: SAMPLE_CUSTOMER_ID,
  flow_id: 'e1a3e6c8-7c1f-11ee-8f2a-4b7d1c9e2a10',
  activeflow_id: 'f25c7a4e-7c1f-11ee-a5d1-1f3e8b6a7c22',
  type: 'flow',
  master_call_id: NIL_UUID,
  chained_call_ids: [],
  recording_id: NIL_UUID,
  recording_ids: [],
  source: voipbinAddress('+15551234567', 'Alice'),
  destination: voipbinAddress('+15557654321'),
  status: 'dialing',
  direction: 'incoming',
  hangup_by: '',
  hangup_reason: '',
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_progressing: VOIPBIN_NEVER,
  tm_ringing: VOIPBIN_NEVER,
  tm_hangup: VOIPBIN_NEVER,
};
const CALL_RINGING = {
  ...CALL,
  status: 'ringing',
  tm_update: '2026-11-23 10:00:01.000000',
  tm_ringing: '2026-11-23 10:00:01.000000',
};
const CALL_ANSWERED = {
  ...CALL_RINGING,
  status: 'progressing',
  tm_update: '2026-11-23 10:00:05.000000',
  tm_progressing: '2026-11-23 10:00:05.000000',
};
const CALL_HUNGUP = {
  ...CALL_ANSWERED,
  status: 'hangup',
  hangup_by: 'remote',
  hangup_reason: 'normal',
  tm_update: '2026-11-23 10:02:05.000000',
  tm_hangup: '2026-11-23 10:02:05.000000',
};

const MESSAGE = {
  id: 'b1c2d3e4-7c20-11ee-8c11-2b4f6d8a0c01',
  customer_id: SAMPLE_CUSTOMER_ID,
  type: 'sms',
  source: voipbinAddress('+15551234567'),
  targets: [
    {
      destination: voipbinAddress('+15557654321'),
      status: 'queued',
      parts: 1,
      tm_update: '2026-11-23 10:00:00.000000',
    },
  ],
  text: 'Your appointment is confirmed for tomorrow at 9:00.',
  direction: 'outbound',
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const RECORDING = {
  id: 'c3d4e5f6-7c20-11ee-9e22-3c5a7e9b1d02',
  customer_id: SAMPLE_CUSTOMER_ID,
  reference_type: 'call',
  reference_id: CALL.id,
  status: 'recording',
  format: 'wav',
  filenames: ['call_9a4b8e2c_2026-11-23T10:00:05.wav'],
  tm_start: '2026-11-23 10:00:05.000000',
  tm_end: VOIPBIN_NEVER,
  tm_create: '2026-11-23 10:00:05.000000',
  tm_update: '2026-11-23 10:00:05.000000',
  tm_delete: VOIPBIN_NEVER,
};

const TRANSCRIBE = {
  id: 'd5e6f7a8-7c20-11ee-a033-4d6b8f0c2e03',
  customer_id: SAMPLE_CUSTOMER_ID,
  reference_type: 'call',
  reference_id: CALL.id,
  status: 'progressing',
  language: 'en-US',
  direction: 'both',
  tm_create: '2026-11-23 10:00:05.000000',
  tm_update: '2026-11-23 10:00:05.000000',
  tm_delete: VOIPBIN_NEVER,
};

const TRANSCRIPT = {
  id: 'e7f8a9b0-7c20-11ee-b144-5e7c9a1d3f04',
  customer_id: SAMPLE_CUSTOMER_ID,
  transcribe_id: TRANSCRIBE.id,
  direction: 'in',
  message: 'Hi, I would like to move my appointment.',
  tm_transcript: '0001-01-01 00:00:08.991840',
  tm_create: '2026-11-23 10:00:14.000000',
};

const QUEUE = {
  id: 'f9a0b1c2-7c20-11ee-8255-6f8dab2e4a05',
  customer_id: SAMPLE_CUSTOMER_ID,
  name: 'Support',
  detail: 'First-line support queue',
  routing_method: 'random',
  tag_ids: ['a1b2c3d4-7c21-11ee-9366-7a9ebc3f5b06'],
  wait_timeout: 300000,
  service_timeout: 1800000,
  wait_queuecall_ids: [],
  service_queuecall_ids: [],
  total_incoming_count: 0,
  total_serviced_count: 0,
  total_abandoned_count: 0,
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const QUEUECALL = {
  id: 'b2c3d4e5-7c21-11ee-a477-8bafcd4a6c07',
  customer_id: SAMPLE_CUSTOMER_ID,
  queue_id: QUEUE.id,
  reference_type: 'call',
  reference_id: CALL.id,
  source: voipbinAddress('+15551234567', 'Alice'),
  status: 'waiting',
  service_agent_id: NIL_UUID,
  tag_ids: QUEUE.tag_ids,
  timeout_wait: 300000,
  timeout_service: 1800000,
  tm_create: '2026-11-23 10:00:05.000000',
  tm_service: VOIPBIN_NEVER,
  tm_update: '2026-11-23 10:00:05.000000',
  tm_delete: VOIPBIN_NEVER,
};

const CONFERENCE = {
  id: 'c4d5e6f7-7c21-11ee-b588-9cb0de5b7d08',
  customer_id: SAMPLE_CUSTOMER_ID,
  type: 'conference',
  status: 'progressing',
  name: 'Weekly sync',
  detail: 'Team call',
  call_ids: [],
  recording_id: NIL_UUID,
  recording_ids: [],
  timeout: 0,
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const CONFBRIDGE = {
  id: 'd6e7f8a9-7c21-11ee-8699-adc1ef6c8e09',
  customer_id: SAMPLE_CUSTOMER_ID,
  type: 'connect',
  call_ids: [CALL.id],
  recording_id: NIL_UUID,
  recording_ids: [],
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const ACTIVEFLOW = {
  id: CALL.activeflow_id,
  customer_id: SAMPLE_CUSTOMER_ID,
  flow_id: CALL.flow_id,
  status: 'running',
  reference_type: 'call',
  reference_id: CALL.id,
  current_action: { id: 'a8b9c0d1-7c22-11ee-97aa-bed2f07d9f10', type: 'answer' },
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

/** The sample payload of each event type, by its name (event-types.ts holds one row per name). */
export const SAMPLE_PAYLOADS = {
  channel_create: CHANNEL_BASE,
  channel_answer: CHANNEL_BASE,
  channel_bridge: CHANNEL_BASE,
  channel_destroy: {
    ...CHANNEL_BASE,
    billing_seconds: 120,
    duration_seconds: 125,
    hangup_cause: 'NORMAL_CLEARING',
    hangup_code: 'sip:200',
    ringing_seconds: 5,
  },
  doc_created: DOC_BASE,
  doc_edited: DOC_BASE,
  doc_deleted: DOC_BASE,
  parking: {
    account_id: SAMPLE_ACCOUNT_ID,
    call_id: 'OWU4NzEwOTgyZWNiMjM0MzI0NjRkZDc4MWVmMjEyOWI',
    callee_id_name: 'Front desk',
    callee_id_number: '1001',
    caller_id_name: 'Alice',
    caller_id_number: '+15551234567',
    event_name: 'PARK_PARKED',
    parking_slot: 1,
    timestamp: SAMPLE_GREGORIAN,
  },
  sms: {
    account_id: SAMPLE_ACCOUNT_ID,
    message_id: 'e2a6b9c1f0d34c7a8b5e6f7a8b9c0d1e',
    call_id: 'ZjQ2YjE5ZDk3YTQ0NzJjMmE1ZTZjYjQwNjk3YmRkNzM',
    from: '+15551234567@sip.example.com',
    to: '+15557654321@sip.example.com',
    caller_id_number: '+15551234567',
    callee_id_number: '+15557654321',
    call_direction: 'inbound',
    body: 'Running 5 minutes late',
    owner_id: 'd860229e722bf8f738737365b0b1e333',
    timestamp: SAMPLE_GREGORIAN,
  },
  notifications: {
    account_id: SAMPLE_ACCOUNT_ID,
    app_name: 'callflow',
    app_version: '4.3.0',
    event_category: 'notification',
    event_name: 'voicemail_new',
    caller_id_name: 'Alice',
    caller_id_number: '+15551234567',
    from_realm: 'sip.example.com',
    from_user: '+15551234567',
    to_realm: 'sip.example.com',
    to_user: '1001',
    voicemail_box: '0e4c2f1a9b8d7e6f5a4b3c2d1e0f9a8b',
    voicemail_id: '201611-5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d',
    voicemail_length: 14000,
    voicemail_timestamp: SAMPLE_GREGORIAN,
  },
  call_created: CALL,
  call_ringing: CALL_RINGING,
  call_progressing: CALL_ANSWERED,
  call_answered: CALL_ANSWERED,
  call_updated: CALL_ANSWERED,
  call_hungup: CALL_HUNGUP,
  message_created: MESSAGE,
  message_updated: {
    ...MESSAGE,
    targets: [{ ...MESSAGE.targets[0], status: 'sent' }],
    tm_update: '2026-11-23 10:00:02.000000',
  },
  message_deleted: { ...MESSAGE, tm_delete: '2026-11-23 11:00:00.000000' },
  recording_created: RECORDING,
  recording_updated: { ...RECORDING, status: 'ended', tm_end: '2026-11-23 10:02:05.000000' },
  recording_deleted: { ...RECORDING, status: 'ended', tm_delete: '2026-11-23 11:00:00.000000' },
  transcribe_created: TRANSCRIBE,
  transcribe_updated: { ...TRANSCRIBE, status: 'done' },
  transcribe_deleted: { ...TRANSCRIBE, status: 'done', tm_delete: '2026-11-23 11:00:00.000000' },
  transcript_created: TRANSCRIPT,
  queue_created: QUEUE,
  queue_updated: { ...QUEUE, total_incoming_count: 1, wait_queuecall_ids: [QUEUECALL.id] },
  queuecall_created: QUEUECALL,
  queuecall_kicking: { ...QUEUECALL, status: 'kicking' },
  queuecall_serviced: {
    ...QUEUECALL,
    status: 'service',
    service_agent_id: 'e8f9a0b1-7c22-11ee-88bb-cfe3018eaf11',
    tm_service: '2026-11-23 10:01:00.000000',
  },
  conference_created: CONFERENCE,
  conference_updated: { ...CONFERENCE, call_ids: [CALL.id] },
  confbridge_created: CONFBRIDGE,
  confbridge_updated: { ...CONFBRIDGE, call_ids: [] },
  activeflow_created: ACTIVEFLOW,
  activeflow_updated: {
    ...ACTIVEFLOW,
    current_action: { id: 'b9c0d1e2-7c22-11ee-a9cc-d0f4128fb012', type: 'talk' },
  },
  activeflow_deleted: { ...ACTIVEFLOW, status: 'ended', tm_delete: '2026-11-23 10:02:05.000000' },
} satisfies Record<string, Record<string, unknown>>;

export type SampledEventType = keyof typeof SAMPLE_PAYLOADS;
