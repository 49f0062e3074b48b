import type { Stores } from '../store/stores.ts';
import { withLimits, type PushDeliveries } from './fanout.ts';

/** The most pages one housekeeping pass works, so a pass stays short and others get their turn. */
const PAGES_PER_PASS = 10;

/**
 * Bulk replays (POST …/replays), moved on by whichever worker takes the housekeeping pass: each
 * page is committed with its cursor before its deliveries are put in line, through the same
 * scheduler lines as every delivery (caps, rate limits, circuits). A push Redis does not take is
 * left to the reconciler — the deliveries are pending in Postgres — and a worker that dies
 * mid-page rolls that page back for the next pass.
 */
export function createReplayer(stores: Stores, push: PushDeliveries, pageSize: number) {
  return {
    async advance(): Promise<{ pages: number; queued: number }> {
      let pages = 0;
      let queued = 0;
      while (pages < PAGES_PER_PASS) {
        const page = await stores.inTransaction((client) =>
          stores.replays.advance(client, pageSize),
        );
        if (!page) break;
        pages++;
        queued += page.reopened.length;
        await push(await withLimits(stores, page.reopened));
      }
      return { pages, queued };
    },
  };
}
