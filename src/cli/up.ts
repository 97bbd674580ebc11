import type { Server } from 'node:http';
import { FlowPipeline } from '../agent/flow-pipeline.js';
import { L7Pipeline } from '../agent/l7-pipeline.js';
import { L7Probes, type LoadedL7Probes } from '../capture/l7-probes.js';
import { registerSelfMetrics } from '../agent/self-metrics.js';
import { isOwnTraffic, type AgentEndpoints } from '../agent/own-traffic.js';
import type { SondeConfig } from '../config/schema.js';
import { Logger } from '../lib/logger.js';
import { createApiServer } from '../server/api-server.js';
import { createHealthServer } from '../server/health-server.js';
import { listen } from '../server/listen.js';
import { FlowMetrics } from '../telemetry/flow-metrics.js';
import { L7Telemetry } from '../telemetry/l7-telemetry.js';
import { MetricRegistry } from '../telemetry/metrics/registry.js';
import { RecentFlows } from '../telemetry/recent-flows.js';
import { runUntil } from './run-until.js';
import { SONDE_VERSION } from './version.js';
import { join } from 'node:path';
import { SqliteStore } from '../export/store/sqlite-store.js';
import { packageRoot } from '../kernel/package-root.js';
import { isLoopbackHost } from '../server/auth.js';

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const hostPort = (a: { address: string; port: number }): string => (a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);

/** `sonde up`: attach everything, serve UI/metrics/API and health, run until told to stop. */
export async function runUp(config: SondeConfig): Promise<number> {
  const log = new Logger(config.logLevel);
  const started = Date.now();
  if (config.authToken === null && !isLoopbackHost(config.listen.host)) {
    // The UI and API show every request on the host: never on the network without a token.
    log.error(`listen: ${config.listen.host} is reachable from other machines; set auth_token (--auth-token or SONDE_AUTH_TOKEN) to serve there`);
    return 2;
  }
  const store = SqliteStore.open({
    path: config.store.path,
    retentionMs: config.store.retentionMs,
    maxBytes: config.store.maxBytes,
    maxSpanRowsPerSecond: config.store.maxSpanRowsPerSecond,
    maxFlowRowsPerSecond: config.store.maxFlowRowsPerSecond,
    logger: { warn: (m) => log.warn(m), info: (m) => log.info(m) },
  });
  const registry = new MetricRegistry({ maxSeriesPerMetric: config.metrics.maxSeriesPerMetric, onCollectHookError: (e) => log.warn(`metrics: ${(e as Error).message}`) });
  const recent = new RecentFlows(config.flows.recentLimit);
  const flowMetrics = new FlowMetrics(registry, { maxPeersPerService: config.metrics.maxPeersPerService });
  let pipeline: FlowPipeline | null = null;
  let l7: L7Pipeline | null = null;
  let l7Problem: string | null = null;
  let flowsSeen = 0;
  const l7Telemetry = config.l7.enabled
    ? new L7Telemetry(registry, {
      recentLimit: config.l7.recentLimit,
      recordBudgetPerSecond: config.l7.recordBudgetPerSecond,
      routePatterns: config.l7.routes,
      maxRoutesPerService: config.l7.maxRoutesPerService,
      keepQuery: config.l7.keepQuery,
      onSubscriberError: (e) => log.warn(`requests: ${(e as Error).message}`),
    })
    : undefined;
  l7Telemetry?.subscribe((span) => store.add(span));
  l7Telemetry?.subscribeTallies((span) => store.addTally(span));

  // Set once every probe is attached (the flow probes, then L7's, whose load may still be running).
  let ready = false;
  const health = createHealthServer(() => (ready ? { ready: true, detail: 'all probes attached' } : { ready: false, detail: 'attaching probes' }));
  const api = createApiServer({
    registry,
    flows: recent,
    l7: l7Telemetry,
    store,
    uiRoot: join(packageRoot(), 'dist', 'ui'),
    authToken: config.authToken,
    status: () => ({
      version: SONDE_VERSION,
      uptime_seconds: (Date.now() - started) / 1000,
      ready,
      flows_seen: flowsSeen,
      l7: l7 ? 'capturing' : (l7Problem ?? 'disabled'),
      l7_parse_priority: l7 === null ? null : l7.parsesAtIdle ? 'idle' : 'normal',
      degraded: pipeline?.degraded ?? [],
      store: store.stats,
    }),
  });
  const servers: Server[] = [];
  let l7Loading: Promise<{ loaded: LoadedL7Probes } | { err: unknown }> | null = null;
  try {
    servers.push(health);
    const h = await listen(health, config.healthListen, '--health-listen');
    servers.push(api);
    const a = await listen(api, config.listen, '--listen');
    const self: AgentEndpoints = { pid: process.pid, listeners: [a, h] };
    // The L7 object's verification (~0.3 s) runs on another thread while the flow probes load
    // here: both are on the way to ready. Settled (never rejected) so that a failure is handled
    // below, after the flows, like before.
    l7Loading = l7Telemetry
      ? L7Probes.loadAsync({ captureBytes: config.l7.captureBytes, maxSegmentsPerSecond: config.l7.maxSegmentsPerSecond, dnsPort: config.l7.dnsPort, tls: config.l7.tls, mirrorLocalPeers: config.l7.mirrorLocalPeers })
        .then((loaded) => ({ loaded }), (err: unknown) => ({ err }))
      : null;
    pipeline = await FlowPipeline.start({
      tableSize: config.flows.tableSize,
      rules: config.services,
      ownerEvents: config.l7.enabled,
      onFlow: (record) => {
        flowsSeen++;
        recent.add(record);
        store.addFlow(record);
        flowMetrics.record(record);
        l7?.connectionClosed(record.socket_cookie);
      },
      onError: (err) => log.warn(`flows: ${(err as Error).message}`),
    });
    if (l7Telemetry && l7Loading) {
      try {
        const loading = await l7Loading;
        if ('err' in loading) throw loading.err;
        l7 = L7Pipeline.start({
          loaded: loading.loaded,
          flows: pipeline.correlator,
          captureBytes: config.l7.captureBytes,
          maxSegmentsPerSecond: config.l7.maxSegmentsPerSecond,
          parseAtIdle: config.l7.parsePriority === 'idle',
          redactSecrets: config.l7.redactSecrets,
          keepSqlLiterals: config.l7.keepSqlLiterals,
          dnsPort: config.l7.dnsPort,
          tls: config.l7.tls,
          mirrorLocalPeers: config.l7.mirrorLocalPeers,
          onExchange: (x) => {
            if (!isOwnTraffic(x, self)) l7Telemetry.record(x);
          },
          onTally: (x, count) => {
            if (!isOwnTraffic(x, self)) l7Telemetry.recordTally(x, count);
          },
          onError: (err) => log.warn(`l7: ${(err as Error).message}`),
        });
      } catch (err) {
        // Flows still work without cgroup_skb: say what is lost and keep going.
        l7Problem = `L7 capture unavailable: ${(err as Error).message}`;
        log.warn(`${l7Problem} — TCP flows and metrics still run`);
      }
    }
    const correlator = pipeline.correlator;
    // Process starts, for history: which program ran when (argv is never stored).
    correlator.addExecListener((e) => store.addProcessEvent({
      time: new Date().toISOString(),
      kind: 'exec',
      pid: e.pid,
      comm: e.comm,
      exe: e.filename || null,
      service_name: correlator.serviceOf(e.pid, e.comm, null),
    }));
    registerSelfMetrics(registry, pipeline, l7);
    for (const d of pipeline.degraded) log.warn(`degraded: ${d.program} did not attach (${d.reason}); lost: ${d.lost}`);
    ready = true;
    log.info(`sonde ${SONDE_VERSION} ready in ${Date.now() - started} ms: UI and API on http://${hostPort(a)}/ (metrics at /metrics), health on http://${hostPort(h)}/readyz`);
  } catch (err) {
    log.error((err as Error).message);
    l7?.stop();
    // A load still on its way when the flows failed: its object is closed once it is done.
    if (l7 === null) void l7Loading?.then((l) => ('loaded' in l ? l.loaded.object.close() : undefined));
    pipeline?.stop();
    await Promise.all(servers.map(close));
    store.close();
    return 1;
  }

  const why = await runUntil(config.durationMs);
  log.info(`stopping (${why === 'signal' ? 'signal' : 'duration reached'}): detaching probes`);
  l7?.stop();
  pipeline.stop();
  await Promise.all(servers.map(close));
  store.close();
  return 0;
}
