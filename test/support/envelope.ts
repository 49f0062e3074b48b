import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A Crossbar success envelope with `status` code; returns its `data`. */
export function expectSuccess(res: LightMyRequestResponse, status = 200) {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(body).toMatchObject({
    status: 'success',
    request_id: res.headers['x-request-id'],
    revision: expect.any(String),
    timestamp: expect.stringMatching(ISO_8601),
  });
  expect(body).toHaveProperty('data');
  return body.data;
}

/** A Crossbar error envelope: status "error", the code as a string, a message, data, the request id. */
export function expectError(res: LightMyRequestResponse, status: number, message?: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(body).toEqual({
    status: 'error',
    error: String(status),
    message: message ?? expect.any(String),
    data: expect.any(Object),
    request_id: res.headers['x-request-id'],
  });
  expect(res.body).not.toMatch(/\bat .+\.(ts|js):\d+/); // never a stack trace
  return body.data as Record<string, Record<string, { message: string; target?: unknown }>>;
}

/**
 * Kazoo's validation error: 400, "validation error", and exactly these fields, each with the
 * given code carrying a message.
 */
export function expectValidation(res: LightMyRequestResponse, fields: Record<string, string>) {
  const data = expectError(res, 400, 'validation error');
  expect(Object.keys(data).sort()).toEqual(Object.keys(fields).sort());
  for (const [field, code] of Object.entries(fields)) {
    expect(data[field], JSON.stringify(data)).toHaveProperty(code);
    expect(data[field][code].message).toEqual(expect.any(String));
  }
  return data;
}
