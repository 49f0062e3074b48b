import { session } from './session.ts';

/** Field problems as the API reports them: {"<dotted.field>": {"<code>": {"message"}}}. */
export type FieldProblems = Record<string, Record<string, { message: string; target?: unknown }>>;

/** An answer in the error envelope, or no answer at all. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly data: FieldProblems | Record<string, unknown> = {},
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** Field problems of a 400 validation error; empty for any other failure. */
  get fields(): FieldProblems {
    return this.status === 400 && this.message === 'validation error'
      ? (this.data as FieldProblems)
      : {};
  }

  /** What a person is told. */
  describe(): string {
    if (Object.keys(this.fields).length > 0) {
      return 'Some fields need correcting: each problem is shown next to its field.';
    }
    const why: Record<number, string> = {
      401: 'Your sign-in is no longer valid (expired or revoked). Sign in again.',
      403: 'This sign-in may not do that.',
      404: 'Not found: it may have been deleted.',
      409: 'Conflict',
      413: 'Too large',
    };
    const head = this.status === 0 ? 'The API could not be reached' : (why[this.status] ?? 'Error');
    const detail =
      this.message && this.message !== head ? ` (${this.status}: ${this.message})` : '';
    return `${head}${detail}${this.requestId ? ` — request ${this.requestId}` : ''}`;
  }
}

export interface Page<T> {
  data: T;
  next_start_key?: string;
}

type Query = Record<string, string | number | boolean | undefined>;

function urlOf(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return `/v2${path}${qs ? `?${qs}` : ''}`;
}

/** One call to the API under the signed-in token; answers its envelope, or throws ApiFailure. */
export async function call<T = unknown>(
  method: string,
  path: string,
  options: {
    query?: Query;
    data?: unknown;
    anonymous?: boolean;
    headers?: Record<string, string>;
  } = {},
): Promise<Page<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = session.current()?.token;
  if (token && !options.anonymous) headers['x-auth-token'] = token;
  if (options.data !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(urlOf(path, options.query), {
      method,
      headers,
      body: options.data === undefined ? undefined : JSON.stringify({ data: options.data }),
    });
  } catch {
    throw new ApiFailure(0, 'network error');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new ApiFailure(
      res.status,
      typeof body.message === 'string' ? body.message : res.statusText,
      body.data && typeof body.data === 'object' ? body.data : {},
      body.request_id ?? res.headers.get('x-request-id') ?? undefined,
    );
  }
  return body as Page<T>;
}

export const get = <T>(path: string, query?: Query) => call<T>('GET', path, { query });
export const send = <T>(method: string, path: string, data?: unknown) =>
  call<T>(method, path, { data });

let description: Promise<OpenApiDocument> | undefined;

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: Array<{ name: string; schema?: { enum?: string[] } }> }>
  >;
}

/**
 * The values each query parameter of a GET route accepts, as the API's own OpenAPI document
 * lists them (`/openapi.json`, written from the schemas that validate the query) for the route
 * `path` as the document names it (`/accounts/{accountId}/events`): the console
 * offers exactly what the API takes, without a second list to keep in step.
 */
export async function queryChoices(path: string): Promise<Record<string, string[]>> {
  description ??= fetch('/openapi.json', { headers: { accept: 'application/json' } }).then(
    (res) => {
      if (!res.ok) throw new ApiFailure(res.status, res.statusText);
      return res.json() as Promise<OpenApiDocument>;
    },
    () => {
      throw new ApiFailure(0, 'network error');
    },
  );
  // A failed read is not kept: the next page asks again.
  const doc = await description.catch((error: unknown) => {
    description = undefined;
    throw error;
  });
  const choices: Record<string, string[]> = {};
  for (const p of doc.paths[`/v2${path}`]?.get?.parameters ?? []) {
    if (p.schema?.enum) choices[p.name] = p.schema.enum;
  }
  return choices;
}
