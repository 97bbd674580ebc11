import type { ServerResponse } from 'node:http';
import type { L7Telemetry } from '../telemetry/l7-telemetry.js';
import type { SpanFilter } from '../telemetry/recent-spans.js';
import { sendError, sendJson } from './json.js';
import { intParam } from './query.js';

/** What the L7 endpoints read from the telemetry. */
export type L7TelemetryView = Pick<L7Telemetry, 'recent' | 'services' | 'graph'>;

export const DEFAULT_REQUESTS_LIMIT = 100;

const DECIMAL = /^\d+(\.\d+)?$/;

/** A non-negative decimal query parameter; an error message naming it on bad input. */
function decimalParam(params: URLSearchParams, name: string): number | undefined | string {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!DECIMAL.test(raw)) return `${name} must be a non-negative number, got "${raw}"`;
  return Number(raw);
}

/** `status`: an HTTP code (100-999) or another protocol's outcome token (`42P01`, `WRONGTYPE`, `NXDOMAIN`). */
function statusParam(params: URLSearchParams): { value: number | string; problem?: undefined } | { value: number; problem: string } | undefined {
  const raw = params.get('status');
  if (raw === null || raw === '') return undefined;
  if (/^\d{1,3}$/.test(raw)) {
    const n = Number(raw);
    return n >= 100 ? { value: n } : { value: 0, problem: `status must be an HTTP status (100-999) or a protocol status such as 42P01, got "${raw}"` };
  }
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(raw)) return { value: 0, problem: `status must be an HTTP status (100-999) or a protocol status such as 42P01, got "${raw}"` };
  return { value: raw };
}

function boolParam(params: URLSearchParams, name: string): boolean | undefined | string {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return `${name} must be true or false, got "${raw}"`;
}

/**
 * Serves the L7 endpoints; returns false for any other path so the caller can carry on routing.
 * - `GET /api/v1/requests?limit=&service=&protocol=&pid=&min_duration_ms=&status=&error=`: recent
 *   records, newest first (`service` takes `*` globs); 400 naming the first bad parameter.
 * - `GET /api/v1/services`: per-service RED over the window.
 * - `GET /api/v1/graph`: `{ nodes, edges, window_seconds }`.
 */
export function handleL7Route(path: string, params: URLSearchParams, res: ServerResponse, telemetry: L7TelemetryView): boolean {
  switch (path) {
    case '/api/v1/requests':
      requests(params, res, telemetry);
      return true;
    case '/api/v1/services':
      sendJson(res, 200, telemetry.services());
      return true;
    case '/api/v1/graph':
      sendJson(res, 200, telemetry.graph());
      return true;
    default:
      return false;
  }
}

function requests(params: URLSearchParams, res: ServerResponse, telemetry: L7TelemetryView): void {
  const limit = intParam(params, 'limit', { min: 1, max: telemetry.recent.capacity, fallback: Math.min(DEFAULT_REQUESTS_LIMIT, telemetry.recent.capacity) });
  const pid = intParam(params, 'pid', { min: 1, max: 2 ** 32 - 1 });
  const status = statusParam(params);
  const minDuration = decimalParam(params, 'min_duration_ms');
  const error = boolParam(params, 'error');
  for (const v of [limit, pid, status?.problem, minDuration, error]) if (typeof v === 'string') return sendError(res, 400, v);
  const filter: SpanFilter = { limit: limit as number };
  const service = params.get('service');
  if (service) filter.service = service;
  const protocol = params.get('protocol');
  if (protocol) filter.protocol = protocol;
  if (typeof pid === 'number') filter.pid = pid;
  if (status !== undefined) filter.status = status.value;
  if (typeof minDuration === 'number') filter.minDurationMs = minDuration;
  if (typeof error === 'boolean') filter.error = error;
  sendJson(res, 200, telemetry.recent.query(filter));
}
