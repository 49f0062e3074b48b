import { twinOf } from './catalogue/names.ts';

/**
 * What the delivery log is searched by (GET …/webhooks/attempts, GET …/events, POST …/replays),
 * checked and parsed: every field optional, all given ones must match.
 */
export interface LogFilter {
  createdFrom?: Date;
  createdTo?: Date;
  /** The event's type; an attempt matches under the name its subscriber got (the type or its twin). */
  eventType?: string;
  eventId?: string;
  /** The call the event is about, in any dialect (events.call_id). */
  callId?: string;
  /** Of an attempt: its result, response status, and error code (our code, not Kazoo's spelling). */
  result?: 'success' | 'failure';
  statusCode?: number;
  errorCode?: string;
}

/** An event's state across the deliveries the caller may see. */
export const EVENT_STATES = ['pending', 'delivered', 'failed'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/** The names an attempt of an event of `type` may carry as hook_event: the type and its twin. */
export function hookEventNames(type: string): string[] {
  const twin = twinOf(type);
  return twin ? [type, twin] : [type];
}

/** A page's place in a newest-first list: the (created, id) of the last row of the page before. */
export interface NewestFirstCursor {
  created: Date;
  id: string;
}

/** A bulk replay's choice of deliveries: the log's filters, which webhooks, how deep. */
export interface ReplayFilter extends LogFilter {
  /** Only these webhooks (each under the account, or a descendant's with includeSubaccounts). */
  webhookIds?: string[];
  /** Also the failed deliveries of the account's descendants' webhooks. */
  includeSubaccounts: boolean;
}

/** A replay's filter as stored (JSON: dates as ISO 8601). */
export function replayFilterToJson(filter: ReplayFilter): Record<string, unknown> {
  return {
    ...filter,
    ...(filter.createdFrom ? { createdFrom: filter.createdFrom.toISOString() } : {}),
    ...(filter.createdTo ? { createdTo: filter.createdTo.toISOString() } : {}),
  };
}

/** A stored replay filter read back. */
export function replayFilterFromJson(json: unknown): ReplayFilter {
  const stored = (json ?? {}) as Record<string, unknown> & ReplayFilter;
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : undefined);
  const createdFrom = date(stored.createdFrom);
  const createdTo = date(stored.createdTo);
  return {
    ...stored,
    includeSubaccounts: stored.includeSubaccounts === true,
    ...(createdFrom ? { createdFrom } : {}),
    ...(createdTo ? { createdTo } : {}),
  };
}
