import type { ServiceDeps } from './deps.ts';
import { accountService } from './accounts.ts';
import { consoleLinkService } from './console-links.ts';
import { deliveryLogService } from './delivery-log.ts';
import { eventService } from './events.ts';
import { keyService } from './keys.ts';
import { replayService } from './replays.ts';
import { webhookService } from './webhooks.ts';

/** Every use case of the API, over one set of stores and one scheduler. */
export function buildServices(deps: ServiceDeps) {
  return {
    accounts: accountService(deps),
    consoleLinks: consoleLinkService(deps),
    deliveryLog: deliveryLogService(deps),
    events: eventService(deps),
    keys: keyService(deps),
    replays: replayService(deps),
    webhooks: webhookService(deps),
  };
}

export type Services = ReturnType<typeof buildServices>;
