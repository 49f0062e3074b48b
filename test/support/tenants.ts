import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/store/db.ts';
import { api, createTenant } from './app.ts';

/**
 * reseller → customer → sub-customer, each with its own key. The keys may publish too (the
 * platform granted it), so tests can publish into any account of the tree.
 */
export async function createResellerTree(app: FastifyInstance, db: Database) {
  const reseller = await createTenant(db, 'reseller');
  const as = (key: string) => api(app, key);
  const child = async (parentId: string, name: string) => {
    const res = await as(reseller.key).put(`/v2/accounts/${parentId}`, { name });
    if (res.statusCode !== 201) throw new Error(`create ${name}: ${res.statusCode} ${res.body}`);
    const id = res.json().data.id as string;
    const keyRes = await as(reseller.key).put(`/v2/accounts/${id}/api_keys`, {
      name: `${name} key`,
      scopes: ['read', 'manage', 'publish'],
    });
    return { id, key: keyRes.json().data.api_key as string };
  };
  const customer = await child(reseller.account.id, 'customer');
  const subCustomer = await child(customer.id, 'sub-customer');
  return { reseller: { id: reseller.account.id, key: reseller.key }, customer, subCustomer, as };
}

/** Creates a webhook through the API and returns the whole answer (with its secret). */
export async function createWebhook(
  app: FastifyInstance,
  key: string,
  accountId: string,
  data: Record<string, unknown>,
) {
  const res = await api(app, key).put(`/v2/accounts/${accountId}/webhooks`, {
    name: 'hook',
    ...data,
  });
  if (res.statusCode !== 201) throw new Error(`create webhook: ${res.statusCode} ${res.body}`);
  return res.json().data as { id: string; secret: string } & Record<string, unknown>;
}

export async function publish(app: FastifyInstance, key: string, accountId: string, data: unknown) {
  const res = await api(app, key).post(`/v2/accounts/${accountId}/events`, data);
  if (res.statusCode !== 202) throw new Error(`publish: ${res.statusCode} ${res.body}`);
  return res.json().data as { ids: string[]; accepted: number; duplicates: string[] };
}
