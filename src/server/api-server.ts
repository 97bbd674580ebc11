import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PROMETHEUS_TEXT_CONTENT_TYPE, serializePrometheus } from '../export/prometheus/serialize.js';
import type { FlowFilter } from '../telemetry/flow-record.js';
import type { RecentFlows } from '../telemetry/recent-flows.js';
import type { MetricRegistry } from '../telemetry/metrics/registry.js';
import { sendError, sendJson } from './json.js';
import { intParam } from './query.js';
import { INDEX_HTML } from './index-page.js';
import { handleL7Route, type L7TelemetryView } from './l7-routes.js';

export interface ApiServerDeps {
  registry: MetricRegistry;
  flows: RecentFlows;
  status: () => Record<string, unknown>;
  /** Requests, services and the service graph; absent when L7 capture is off. */
  l7?: L7TelemetryView | undefined;
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
  switch (url.pathname) {
    case '/':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(INDEX_HTML);
      return;
    case '/metrics':
      res.writeHead(200, { 'content-type': PROMETHEUS_TEXT_CONTENT_TYPE });
      res.end(serializePrometheus(deps.registry.collect()));
      return;
    case '/api/v1/flows':
      flows(deps, url.searchParams, res);
      return;
    case '/api/v1/status':
      sendJson(res, 200, deps.status());
      return;
    default:
      if (deps.l7 !== undefined && handleL7Route(url.pathname, url.searchParams, res, deps.l7)) return;
      sendError(res, 404, `no such endpoint: ${url.pathname}`);
  }
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
