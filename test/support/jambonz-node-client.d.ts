// @jambonz/node-client ships no types; this names the parts the tests use.
declare module '@jambonz/node-client' {
  import type { RequestHandler } from 'express';
  export class WebhookResponse {
    static verifyJambonzSignature(secret: string | string[]): RequestHandler;
    say(payload: { text: string }): this;
    hangup(payload?: Record<string, unknown>): this;
    toJSON(): Record<string, unknown>[];
  }
}
