import type { ServiceDeps } from './deps.ts';
import { accountService } from './accounts.ts';
import { keyService } from './keys.ts';
import { webhookService } from './webhooks.ts';

/** Every use case of the API, over one set of stores and one scheduler. */
export function buildServices(deps: ServiceDeps) {
  return {
    accounts: accountService(deps),
    keys: keyService(deps),
    webhooks: webhookService(deps),
  };
}

export type Services = ReturnType<typeof buildServices>;
