import type { CallPhase, ReadCall } from '../call-model.ts';

/**
 * A dialect (docs/dialects.md): the body shape and signatures a webhook's receiver expects. Each
 * is one object (dialects/<name>.ts) saying which verbs and formats it is sent with, which events
 * it carries, what a webhook of it must hold, how it names and shapes an event, the signature it
 * adds and, for the platforms that publish calls, how it reads theirs. registry.ts collects them;
 * the code that shapes, signs and checks looks the object up and never asks for a name.
 */

export type Verb = 'get' | 'post' | 'put';
export type Format = 'json' | 'form-data';

export interface ShapeInput {
  event: {
    id: string;
    type: string;
    accountId: string;
    payload: Record<string, unknown>;
    created: Date;
  };
  webhook: {
    hook: string | null;
    eventTypes: string[];
    customData: Record<string, unknown> | null;
    /** The dialect the webhook names; null or absent: the default for hook / event_types. */
    dialect?: string | null;
  };
}

export type ShapedEvent = ShapeInput['event'];
export type Subscriber = ShapeInput['webhook'];

/** A call event read into the call model, with the name of the dialect it was published in. */
export interface CallEvent extends ReadCall {
  phase: CallPhase;
  shape: string;
}

export interface ShapeContext extends ShapeInput {
  /** The event read into the call model; undefined for events that are not about a call. */
  call: CallEvent | undefined;
}

/** What a dialect's own signature covers, for one try of a request. */
export interface SignatureInput {
  /** The keys to sign with: the current one first, then those still in their grace period. */
  secrets: string[];
  /** Unix seconds of the try. */
  timestamp: number;
  method: 'GET' | 'POST' | 'PUT';
  /** The body as sent ('' for GET). */
  body: string;
}

/** How a platform's published call payloads are recognised and read into the call model. */
export interface CallSource {
  recognises(payload: Record<string, unknown>): boolean;
  read(payload: Record<string, unknown>, phase: CallPhase): ReadCall;
}

/**
 * A custom_data key a dialect's body needs: what makes a value acceptable, a value a sample may
 * show, and the value sent when the webhook gives none (no default: the webhook must give one).
 */
export interface CustomDataRule {
  valid: (value: unknown) => boolean;
  message: string;
  example: unknown;
  default?: unknown;
}

export interface Dialect {
  name: string;
  description: string;
  verbs: readonly Verb[];
  /** Formats a POST/PUT may use (GET sends a query string whatever the format). */
  formats: readonly Format[];
  /** Can a receiver of this dialect be sent this event type? */
  carries(type: string): boolean;
  /** custom_data keys this dialect's body reads (checked when a webhook is written). */
  customDataRules: Readonly<Record<string, CustomDataRule>>;
  /**
   * The event's name as this dialect's subscriber knows it: in the body, and as the attempt
   * log's hook_event.
   */
  eventName(type: string, webhook: Subscriber): string;
  /** The body a subscriber receives, before it is encoded for the webhook's verb and format. */
  shape(context: ShapeContext): Record<string, unknown>;
  /**
   * Headers of this dialect's own signature, added to those every request carries (Standard
   * Webhooks', VoIPBIN's); none for most dialects.
   */
  signatureHeaders(input: SignatureInput): Record<string, string>;
  /** Set for the platforms whose call payloads a producer may publish. */
  callSource?: CallSource;
}

/** A dialect whose platform publishes calls. */
export type CallSourceDialect = Dialect & { callSource: CallSource };
