/** The API's documents as the console reads them (docs/api-conventions.md). */
export interface Account {
  id: string;
  name: string;
  parent_id?: string;
  tree: string[];
}

export interface WebhookSummary {
  id: string;
  name: string;
  uri: string;
  hook?: string;
  event_types?: string[];
  enabled: boolean;
  disable_reason?: string;
}

export interface Webhook extends WebhookSummary {
  http_verb: string;
  format: string;
  retries: number;
  include_subaccounts?: boolean;
  custom_data?: Record<string, unknown>;
  circuit?: { state: string; until?: string; failures: number };
  created: string;
  modified: string;
}

export interface Attempt {
  id: string;
  hook_id: string;
  hook_event: string;
  event_id: string;
  delivery_id: string;
  uri: string;
  method: string;
  req_headers: Record<string, string>;
  req_body: string;
  resp_status_code: number | null;
  resp_headers: Record<string, string> | null;
  resp_body: string | null;
  result: 'success' | 'failure';
  reason?: string;
  client_error?: string;
  error_code?: string;
  error_message?: string;
  try: number;
  retries_left: number;
  duration_ms: number;
  created: string;
}

/** A bulk replay (POST …/replays) and how far it got. */
export interface Replay {
  id: string;
  state: 'running' | 'completed' | 'cancelled';
  matched: number;
  queued: number;
  done: number;
  filter: Record<string, unknown>;
  created: string;
  modified: string;
}

/** An event of the events list (GET …/events). */
export interface EventSummary {
  id: string;
  type: string;
  account_id: string;
  call_id?: string;
  created: string;
  fanned_out: boolean;
  state: 'pending' | 'delivered' | 'failed' | 'none';
  deliveries: { pending: number; delivered: number; failed: number; skipped: number };
}
