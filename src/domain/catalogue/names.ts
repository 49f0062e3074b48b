import { eventTypeEntry } from './event-types.ts';

/**
 * An event's names on each platform: its twin (the same happening under the other platform's
 * name), its Kazoo and VoIPBIN names, and the Kazoo hook it reaches.
 */

export function twinOf(type: string): string | undefined {
  return eventTypeEntry(type)?.twin;
}

/** Kazoo's name for an event: its own if it is a Kazoo type, else its Kazoo twin's (call_created → channel_create). */
export function kazooNameOf(type: string): string {
  const entry = eventTypeEntry(type);
  if (!entry || entry.hook || !entry.twin) return type;
  return eventTypeEntry(entry.twin)?.hook ? entry.twin : type;
}

/** VoIPBIN's name for an event: a Kazoo type's VoIPBIN twin (channel_destroy → call_hungup), else its own. */
export function voipbinNameOf(type: string): string {
  const entry = eventTypeEntry(type);
  return entry?.hook && entry.twin ? entry.twin : type;
}

/** The Kazoo hook an event reaches, through its twin if it has none itself (call_created → channel_create). */
export function hookOf(type: string): string | undefined {
  const entry = eventTypeEntry(type);
  if (!entry) return undefined;
  return entry.hook ?? (entry.twin ? eventTypeEntry(entry.twin)?.hook : undefined);
}
