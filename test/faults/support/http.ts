import { signToken, type TokenClaims } from '../../../apps/contracts-api/src/auth';
import { SECRET } from './service';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  contentType: string;
  ms: number;
  /** "METHOD path" with ids and codes blanked, to group answers by route. */
  route: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One request; throws on a network error or when no answer came within `timeoutMs`. */
export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (the document, the dashboard page, metrics)
  }
  const route = `${method} ${path.replace(/[0-9a-f-]{36}|\d{10}/g, ':id')}`;
  return { status: res.status, body, contentType: res.headers.get('content-type') ?? '', ms: performance.now() - started, route };
}

/** A token for the fault tests' secret, valid for two hours. */
export function tokenFor(claims: TokenClaims): string {
  return signToken({ ...claims, exp: Math.floor(Date.now() / 1000) + 7200 }, SECRET);
}
