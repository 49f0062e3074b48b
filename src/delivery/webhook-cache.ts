import type { WebhookForDelivery } from '../store/webhook-targets.ts';

/**
 * A worker's copies of the webhooks it delivers to, so that a batch of deliveries does not read
 * its webhooks again when nothing about them changed. The lease tells each webhook row's version
 * (Postgres's xmin, which every update of the row changes, whoever makes it); a copy is used only
 * while its version is the row's, so a disabled, edited or rotated webhook is read again at once.
 */
export function createWebhookCache(
  read: (ids: string[]) => Promise<Map<string, WebhookForDelivery>>,
  maxEntries = 10_000,
) {
  const copies = new Map<string, WebhookForDelivery>();
  return {
    /** The webhooks at these versions (id → the row's version now); reads only what is stale. */
    async current(wanted: Map<string, string>): Promise<Map<string, WebhookForDelivery>> {
      const stale = [...wanted].filter(([id, version]) => copies.get(id)?.version !== version);
      if (stale.length > 0) {
        const fresh = await read(stale.map(([id]) => id));
        for (const [id, webhook] of fresh) {
          // Oldest copy out first: Map keeps insertion order, and a refresh re-inserts.
          copies.delete(id);
          if (copies.size >= maxEntries) copies.delete(copies.keys().next().value as string);
          copies.set(id, webhook);
        }
      }
      const found = new Map<string, WebhookForDelivery>();
      for (const id of wanted.keys()) {
        const webhook = copies.get(id);
        if (webhook) found.set(id, webhook);
      }
      return found;
    },
  };
}
