import type { ServiceDeps } from './deps.ts';
import { webhookService } from './webhooks.ts';

/** Every use case of the API, over one set of stores and one scheduler. */
export function buildServices(deps: ServiceDeps) {
  return {
    webhooks: webhookService(deps),
  };
}

export type Services = ReturnType<typeof buildServices>;
