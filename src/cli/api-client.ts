import type { z } from 'zod';
import { ApiError } from '../shared/api-error.ts';
import { CliError } from './output.ts';

export { ApiError };

/** Query values; arrays repeat the parameter, undefined ones are left out. */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** One request to the API. */
export interface RequestOptions<T> {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** Checks and types the answer; without it the answer is returned as is. */
  schema?: z.ZodType<T>;
}

/** A raw answer: status, headers and parsed JSON body. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The CLI's HTTP client of the Ethos API. */
export interface ApiClient {
  readonly url: string;
  /** Sends a request and returns the (checked) body; throws ApiError on an error answer. */
  request<T = unknown>(method: string, path: string, opts?: RequestOptions<T>): Promise<T>;
  /** Like request, but also returns the status and headers (sign-in reads the cookie). */
  requestRaw(method: string, path: string, opts?: Omit<RequestOptions<unknown>, 'schema'>): Promise<RawAnswer>;
}

/** Joins path segments, each URL-encoded. */
export function apiPath(...segments: (string | number)[]): string {
  return segments.map((s, i) => (i === 0 ? String(s) : encodeURIComponent(String(s)))).join('/');
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * Creates a client for `url`; with a token every request carries `Authorization: Bearer`.
 * `authHint` is added to 401 answers (how to sign in).
 */
export function createApiClient(opts: { url: string; token?: string; authHint?: string }): ApiClient {
  const base = opts.url.replace(/\/+$/, '');

  async function send(method: string, path: string, o: RequestOptions<unknown>): Promise<RawAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}${path}${queryString(o.query)}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the Ethos server at ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        if (res.ok) throw new CliError(`${method} ${path}: the server at ${base} did not answer JSON (HTTP ${res.status})`);
      }
    }
    if (!res.ok) {
      const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
      if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
        throw new ApiError(res.status, 'HTTP_ERROR', `${method} ${path}: HTTP ${res.status} from ${base}${text ? `: ${text.slice(0, 200)}` : ''}`);
      }
      const hint = res.status === 401 && opts.authHint ? ` (${opts.authHint})` : '';
      throw new ApiError(res.status, error.code, `${error.message} [${error.code}]${hint}`, error.details);
    }
    return { status: res.status, headers: res.headers, body };
  }

  return {
    url: base,
    async request<T>(method: string, path: string, o: RequestOptions<T> = {}): Promise<T> {
      const { body } = await send(method, path, o as RequestOptions<unknown>);
      if (!o.schema) return body as T;
      const parsed = o.schema.safeParse(body);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new CliError(`${method} ${path}: unexpected answer from the server (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}); is the CLI as new as the server?`);
      }
      return parsed.data;
    },
    requestRaw: (method, path, o = {}) => send(method, path, o),
  };
}
