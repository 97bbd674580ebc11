import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PROMETHEUS_TEXT_CONTENT_TYPE, serializePrometheus } from '../export/prometheus/serialize.js';
import type { FlowFilter } from '../telemetry/flow-record.js';
import type { RecentFlows } from '../telemetry/recent-flows.js';
import type { MetricRegistry } from '../telemetry/metrics/registry.js';
import { sendError, sendJson } from './json.js';
import { intParam } from './query.js';
import { INDEX_HTML } from './index-page.js';
import { handleL7Route, type L7TelemetryView } from './l7-routes.js';
import type { SqliteStore } from '../export/store/sqlite-store.js';
import { handleStoreRoute, startEventStream } from './store-routes.js';
import { serveStatic } from './static-files.js';
import { presentedToken, tokenCookie } from './auth.js';

export interface ApiServerDeps {
  registry: MetricRegistry;
  flows: RecentFlows;
  status: () => Record<string, unknown>;
  /** Requests, services and the service graph; absent when L7 capture is off. */
  l7?: L7TelemetryView | undefined;
  /** History behind the UI's endpoints (docs/ui-api.md); absent: those endpoints 404. */
  store?: SqliteStore | undefined;
  /** The built UI (dist/ui); absent or unbuilt: `/` serves a minimal page. */
  uiRoot?: string | undefined;
  /** Every request must present it (Bearer header, ?token=, or the UI's cookie); null: none needed. */
  authToken?: string | null | undefined;
  /** Milliseconds between SSE ticks on /api/v1/events. Default 2000. */
  eventIntervalMs?: number | undefined;
  now?: () => number;
}

/** The agent's main HTTP server: UI at /, Prometheus text at /metrics, JSON under /api/v1/. */
export function createApiServer(deps: ApiServerDeps): Server {
  return createServer((req, res) => {
    try {
      route(deps, req, res);
    } catch (err) {
      sendError(res, 500, `internal error: ${(err as Error).message}`);
    }
  });
}

function route(deps: ApiServerDeps, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendError(res, 405, `${req.method} not allowed: the API is read-only`);
    return;
  }
  const path = url.pathname;
  const params = url.searchParams;
  if (deps.authToken) {
    const via = presentedToken(req, params, deps.authToken);
    if (via === null) {
      res.setHeader('www-authenticate', 'Bearer realm="sonde"');
      sendError(res, 401, 'this sonde requires its token: send "Authorization: Bearer <token>" or open the UI with ?token=<token>');
      return;
    }
    // The UI's scripts, styles and event stream cannot all carry ?token=: a cookie carries it for them.
    if (via === 'query') res.setHeader('set-cookie', tokenCookie(deps.authToken));
  }
  switch (path) {
    case '/metrics':
      res.writeHead(200, { 'content-type': PROMETHEUS_TEXT_CONTENT_TYPE });
      res.end(serializePrometheus(deps.registry.collect()));
      return;
    case '/api/v1/flows':
      flows(deps, params, res);
      return;
    case '/api/v1/status':
      sendJson(res, 200, deps.status());
      return;
    case '/api/v1/events':
      if (deps.store === undefined) break;
      {
        const stop = startEventStream(res, deps.store, deps.eventIntervalMs ?? 2000);
        req.once('close', stop);
      }
      return;
    default:
      if (path.startsWith('/api/')) {
        const now = (deps.now ?? Date.now)();
        // /api/v1/graph?range= is the store's; without range the in-memory window answers.
        if (deps.store !== undefined && path === '/api/v1/graph' && params.has('range') && handleStoreRoute(path, params, res, deps.store, now)) return;
        if (deps.l7 !== undefined && handleL7Route(path, params, res, deps.l7)) return;
        if (deps.store !== undefined && handleStoreRoute(path, params, res, deps.store, now)) return;
        sendError(res, 404, `no such endpoint: ${path}`);
        return;
      }
      if (deps.uiRoot !== undefined && serveStatic(deps.uiRoot, path, res)) return;
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(INDEX_HTML);
        return;
      }
  }
  sendError(res, 404, `no such endpoint: ${path}`);
}

function flows(deps: ApiServerDeps, params: URLSearchParams, res: ServerResponse): void {
  const limit = intParam(params, 'limit', { min: 1, max: deps.flows.capacity, fallback: 100 });
  const pid = intParam(params, 'pid', { min: 1, max: 2 ** 32 - 1 });
  const port = intParam(params, 'port', { min: 1, max: 65535 });
  for (const v of [limit, pid, port]) if (typeof v === 'string') return sendError(res, 400, v);
  const filter: FlowFilter = {};
  if (typeof pid === 'number') filter.pid = pid;
  if (typeof port === 'number') filter.port = port;
  const comm = params.get('comm');
  if (comm) filter.comm = comm;
  sendJson(res, 200, deps.flows.query(limit as number, filter));
}
