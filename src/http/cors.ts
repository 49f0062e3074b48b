import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Methods Kazoo's Crossbar answers, and the headers its browser clients (monster-ui) send. */
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS'];
const ALLOWED_HEADERS = ['X-Auth-Token', 'Authorization', 'Content-Type', 'X-Request-ID'];

/**
 * CORS for browser clients on another origin (Kazoo's monster-ui): preflights answered before
 * any auth, and every answer — errors included — carries the headers, with the request id
 * readable by the page. `*` is the default because credentials travel in a header the page sets
 * (X-Auth-Token / Authorization), never in cookies a browser would attach on its own, so allowing
 * any origin grants a page nothing its token does not already grant.
 */
export async function allowBrowserClients(app: FastifyInstance, origins: string[]): Promise<void> {
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['X-Request-ID'],
    credentials: false,
    maxAge: 86_400,
    // Preflights answer 204 here, before the routes' auth hooks could refuse them.
    preflight: true,
    strictPreflight: false,
  });
}
