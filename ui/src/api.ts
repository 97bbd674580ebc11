/**
 * Fetch helpers for /api/v1. When the agent requires a token, the user opens the UI with
 * `?token=…`; every API call and the event stream carry it on (EventSource cannot set headers).
 */

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }

  /** The agent answered and refused: a bad filter or a missing record, not an outage. */
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 401 && this.status !== 403;
  }
}

export type Params = Record<string, string | number | boolean | null | undefined>;

export function pageToken(): string | null {
  return new URLSearchParams(location.search).get('token');
}

export function apiUrl(path: string, params: Params = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, String(v));
  }
  const token = pageToken();
  if (token) qs.set('token', token);
  const query = qs.toString();
  return query ? `${path}?${query}` : path;
}

export async function getJson<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path, params), { headers: { accept: 'application/json' }, signal: signal ?? null });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'the agent is unreachable');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page, say: report the status instead.
  }
  if (!res.ok) {
    const message = isErrorBody(body) ? body.error : `${res.status} ${res.statusText}`.trim();
    throw new ApiError(res.status, message);
  }
  if (body === null) throw new ApiError(res.status, `empty or malformed JSON from ${path}`);
  return body as T;
}

function isErrorBody(body: unknown): body is { error: string } {
  return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string';
}

export function eventsUrl(): string {
  return apiUrl('/api/v1/events');
}
