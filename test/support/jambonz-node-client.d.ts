// @jambonz/node-client ships no types; this names the one part the tests use.
declare module '@jambonz/node-client' {
  import type { RequestHandler } from 'express';
  export const WebhookResponse: {
    verifyJambonzSignature(secret: string | string[]): RequestHandler;
  };
}
