import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { grants } from '../domain/scopes.ts';
import type { Stores } from '../store/stores.ts';
import type { AuthCache } from './auth-cache.ts';
import { tokenOf } from './auth.ts';
import { forbidden, unauthorized } from './errors.ts';

export const ADMIN_QUEUES_PATH = '/admin/queues';

/** The password of `Authorization: Basic …` (any user name): how a browser sends the root key. */
function basicPassword(request: FastifyRequest): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}

/**
 * Only the platform's operator sees the queues: a key (or its token) of the root account that
 * holds `manage`. Any other valid key is a 403; no key, or an unknown one, a 401 that invites the
 * browser to ask for it (user name ignored, the key as password).
 */
function rootOnly(auth: AuthCache, stores: Stores) {
  let rootId: string | undefined;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = tokenOf(request) ?? basicPassword(request);
    const credential = token ? await auth.credential(token) : null;
    if (!credential) {
      reply.header('WWW-Authenticate', 'Basic realm="switchboard"');
      throw unauthorized();
    }
    // The root account never changes once set up (it cannot be deleted): looked up once.
    rootId ??= (await stores.accounts.findRoot())?.id;
    if (credential.account.id !== rootId || !grants(credential.scopes, 'manage'))
      throw forbidden('the queues are shown to the root key only');
  };
}

/**
 * bull-board at /admin/queues (config.intake.board), over the given queues. Its routes are hidden
 * from the OpenAPI document: it is an operator's page, not part of the API.
 */
export async function registerQueueBoard(
  app: FastifyInstance,
  deps: { queues: Queue[]; auth: AuthCache; stores: Stores },
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: deps.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Switchboard' } },
  });
  await app.register(async (admin) => {
    admin.addHook('onRequest', rootOnly(deps.auth, deps.stores));
    await admin.register(serverAdapter.registerPlugin(), { prefix: ADMIN_QUEUES_PATH });
  });
}
