import type { ServerResponse } from 'node:http';
import type { SqliteStore } from '../export/store/sqlite-store.js';
import type { SpanFilter } from '../export/store/query-spans.js';
import { STORE_PROTOCOLS } from '../export/store/records.js';
import { DEFAULT_RANGE, RANGES_MS } from '../export/store/window.js';
import { sendError, sendJson } from './json.js';
import { intParam } from './query.js';

export const DEFAULT_SPANS_LIMIT = 50;
export const MAX_SPANS_LIMIT = 500;
export const MAX_SPANS_OFFSET = 100_000;
const MAX_TEXT_PARAM = 256;
const SPAN_PATH = /^\/api\/v1\/spans\/([^/]+)$/;
const STATUS = /^[A-Za-z0-9_.-]{1,32}$/;
const DECIMAL = /^\d+(\.\d+)?$/;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function rangeParam(params: URLSearchParams): Parsed<number> {
  const raw = params.get('range');
  const name = raw === null || raw === '' ? DEFAULT_RANGE : raw;
  const ms = Object.hasOwn(RANGES_MS, name) ? RANGES_MS[name] : undefined;
  if (ms === undefined) return { ok: false, message: `range must be one of ${Object.keys(RANGES_MS).join(', ')}, got "${raw}"` };
  return { ok: true, value: ms };
}

function textParam(params: URLSearchParams, name: string): Parsed<string | undefined> {
  const raw = params.get(name);
  if (raw === null || raw === '') return { ok: true, value: undefined };
  if (raw.length > MAX_TEXT_PARAM) return { ok: false, message: `${name} must be at most ${MAX_TEXT_PARAM} characters, got ${raw.length}` };
  return { ok: true, value: raw };
}

/** The span filter of `/api/v1/spans`, or a message naming the first bad parameter. */
export function spanFilterParams(params: URLSearchParams, nowMs: number): Parsed<SpanFilter> {
  const range = rangeParam(params);
  if (!range.ok) return range;
  const filter: SpanFilter = { sinceMs: nowMs - range.value };
  const service = textParam(params, 'service');
  if (!service.ok) return service;
  if (service.value !== undefined) filter.service = service.value;
  const protocol = params.get('protocol');
  if (protocol !== null && protocol !== '') {
    if (!(STORE_PROTOCOLS as readonly string[]).includes(protocol)) return { ok: false, message: `protocol must be one of ${STORE_PROTOCOLS.join(', ')}, got "${protocol}"` };
    filter.protocol = protocol;
  }
  const status = params.get('status');
  if (status !== null && status !== '') {
    if (!STATUS.test(status)) return { ok: false, message: `status must be a status code, a class such as 5xx, or a protocol status such as 42P01, got "${status}"` };
    filter.status = status;
  }
  const error = params.get('error');
  if (error !== null && error !== '') {
    if (error !== 'true' && error !== 'false') return { ok: false, message: `error must be true or false, got "${error}"` };
    filter.error = error === 'true';
  }
  const minDuration = params.get('min_duration_ms');
  if (minDuration !== null && minDuration !== '') {
    if (!DECIMAL.test(minDuration)) return { ok: false, message: `min_duration_ms must be a non-negative number, got "${minDuration}"` };
    filter.minDurationMs = Number(minDuration);
  }
  const q = textParam(params, 'q');
  if (!q.ok) return q;
  if (q.value !== undefined) filter.q = q.value;
  return { ok: true, value: filter };
}

/**
 * Serves the UI's endpoints from the store (docs/ui-api.md); returns false for any other path,
 * for `/api/v1/events` (see startEventStream) and for `/api/v1/graph` without `range` (the
 * in-memory graph answers that). 400 names the bad parameter; a store failure is a 500.
 */
export function handleStoreRoute(path: string, params: URLSearchParams, res: ServerResponse, store: SqliteStore, nowMs: number): boolean {
  const answer = route(path, params, store, nowMs);
  if (answer === null) return false;
  try {
    const result = answer();
    if ('error' in result) sendError(res, result.status, result.error);
    else sendJson(res, 200, result.body);
  } catch (err) {
    sendError(res, 500, `store: ${(err as Error).message}`);
  }
  return true;
}

type Answer = { body: unknown } | { status: number; error: string };
const bad = (error: string): Answer => ({ status: 400, error });

function route(path: string, params: URLSearchParams, store: SqliteStore, nowMs: number): (() => Answer) | null {
  switch (path) {
    case '/api/v1/overview':
      return () => withRange(params, (rangeMs) => ({ body: store.overview(rangeMs, nowMs) }));
    case '/api/v1/graph': {
      const range = params.get('range');
      if (range === null || range === '') return null;
      return () => withRange(params, (rangeMs) => ({ body: store.graph(rangeMs, nowMs) }));
    }
    case '/api/v1/service':
      return () => {
        const name = params.get('name');
        if (name === null || name === '') return bad('name is required');
        if (name.length > MAX_TEXT_PARAM) return bad(`name must be at most ${MAX_TEXT_PARAM} characters, got ${name.length}`);
        return withRange(params, (rangeMs) => {
          const body = store.service(name, rangeMs, nowMs);
          return body === null ? { status: 404, error: `no records of service "${name}" in the range` } : { body };
        });
      };
    case '/api/v1/spans':
      return () => spans(params, store, nowMs);
    case '/api/v1/flows/summary':
      return () => withRange(params, (rangeMs) => ({ body: store.flowsSummary(rangeMs, nowMs) }));
    case '/api/v1/alerts':
      return () => ({ body: store.alerts() });
    default: {
      const m = SPAN_PATH.exec(path);
      if (m === null) return null;
      return () => {
        let raw: string;
        try {
          raw = decodeURIComponent(m[1]!);
        } catch {
          raw = m[1]!;
        }
        if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) return bad(`id must be a positive integer, got "${raw}"`);
        const span = store.span(Number(raw));
        return span === null ? { status: 404, error: `no span with id ${raw}` } : { body: span };
      };
    }
  }
}

function withRange(params: URLSearchParams, then: (rangeMs: number) => Answer): Answer {
  const range = rangeParam(params);
  return range.ok ? then(range.value) : bad(range.message);
}

function spans(params: URLSearchParams, store: SqliteStore, nowMs: number): Answer {
  const limit = intParam(params, 'limit', { min: 1, max: MAX_SPANS_LIMIT, fallback: DEFAULT_SPANS_LIMIT });
  if (typeof limit === 'string') return bad(limit);
  const offset = intParam(params, 'offset', { min: 0, max: MAX_SPANS_OFFSET, fallback: 0 });
  if (typeof offset === 'string') return bad(offset);
  const filter = spanFilterParams(params, nowMs);
  if (!filter.ok) return bad(filter.message);
  return { body: store.spans(filter.value, limit as number, offset as number) };
}

/**
 * `GET /api/v1/events`: Server-Sent Events, one `tick` every `intervalMs` with the spans and
 * flows written since the previous one. Returns a function that stops the stream; it also stops
 * when the client goes away.
 */
export function startEventStream(res: ServerResponse, store: SqliteStore, intervalMs = 2000): () => void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // Reverse proxies (nginx) would otherwise hold events back in their buffers.
    'x-accel-buffering': 'no',
  });
  // A comment line, so the client sees the stream open before the first tick.
  res.write(': sonde events\n\n');
  let last = store.lastIds();
  const timer = setInterval(() => {
    let counts = { spans: 0, flows: 0 };
    try {
      const next = store.newSince(last);
      last = next.last;
      counts = { spans: next.spans, flows: next.flows };
    } catch {
      // a closed store still ticks (with zeros) until the client or the agent ends the stream
    }
    res.write(`event: tick\ndata: ${JSON.stringify({ t: Date.now(), ...counts })}\n\n`);
  }, intervalMs);
  timer.unref();
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    res.off('close', stop);
    if (!res.writableEnded) res.end();
  };
  res.on('close', stop);
  return stop;
}
