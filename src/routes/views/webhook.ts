import { extraOf } from '../../domain/kazoo-document.ts';
import { maskPassword } from '../../domain/uri.ts';
import { documentOf, type WebhookRow } from '../../store/webhooks.ts';

/** A webhook as the API shows it: its uri's password masked (documentOf keeps it, for writes). */
export function webhookView(row: WebhookRow) {
  const doc = documentOf(row);
  return {
    // Properties that are not ours first: our fields always win.
    ...extraOf(row.extra),
    id: row.id,
    ...doc,
    uri: maskPassword(doc.uri),
    ...(row.disableReason ? { disable_reason: row.disableReason } : {}),
    created: row.created.toISOString(),
    modified: row.modified.toISOString(),
  };
}

/** Kazoo's list summary. */
export function webhookSummary(row: WebhookRow) {
  const doc = documentOf(row);
  return {
    // Kazoo's UI groups the list by the `group` it keeps in each webhook.
    ...extraOf(row.extra),
    id: row.id,
    name: doc.name,
    uri: maskPassword(doc.uri),
    ...(doc.hook !== undefined ? { hook: doc.hook } : {}),
    ...(doc.event_types !== undefined ? { event_types: doc.event_types } : {}),
    // What a list needs to tell webhooks apart: the receivers' dialect, and call-control hooks.
    ...(doc.dialect !== undefined ? { dialect: doc.dialect } : {}),
    ...(doc.call_control ? { call_control: true } : {}),
    enabled: doc.enabled,
    ...(row.disableReason ? { disable_reason: row.disableReason } : {}),
  };
}
