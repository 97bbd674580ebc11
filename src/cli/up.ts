import type { Server } from 'node:http';
import { FlowPipeline } from '../agent/flow-pipeline.js';
import { registerSelfMetrics } from '../agent/self-metrics.js';
import type { SondeConfig } from '../config/schema.js';
import { Logger } from '../lib/logger.js';
import { createApiServer } from '../server/api-server.js';
import { createHealthServer } from '../server/health-server.js';
import { listen } from '../server/listen.js';
import { FlowMetrics } from '../telemetry/flow-metrics.js';
import { MetricRegistry } from '../telemetry/metrics/registry.js';
import { RecentFlows } from '../telemetry/recent-flows.js';
import { runUntil } from './run-until.js';
import { SONDE_VERSION } from './version.js';

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
  const registry = new MetricRegistry({ maxSeriesPerMetric: config.metrics.maxSeriesPerMetric, onCollectHookError: (e) => log.warn(`metrics: ${(e as Error).message}`) });
  const recent = new RecentFlows(config.flows.recentLimit);
  const flowMetrics = new FlowMetrics(registry);
  let pipeline: FlowPipeline | null = null;
  let flowsSeen = 0;

  const health = createHealthServer(() => (pipeline ? { ready: true, detail: 'all probes attached' } : { ready: false, detail: 'attaching probes' }));
  const api = createApiServer({
    registry,
    flows: recent,
    status: () => ({
      version: SONDE_VERSION,
      uptime_seconds: (Date.now() - started) / 1000,
      ready: pipeline !== null,
      flows_seen: flowsSeen,
      degraded: pipeline?.degraded ?? [],
    }),
  });
  const servers: Server[] = [];
  try {
    servers.push(health);
    const h = await listen(health, config.healthListen, '--health-listen');
    servers.push(api);
    const a = await listen(api, config.listen, '--listen');
    pipeline = await FlowPipeline.start({
      tableSize: config.flows.tableSize,
      rules: config.services,
      onFlow: (record) => {
        flowsSeen++;
        recent.add(record);
        flowMetrics.record(record);
      },
      onError: (err) => log.warn(`flows: ${(err as Error).message}`),
    });
    registerSelfMetrics(registry, pipeline);
    for (const d of pipeline.degraded) log.warn(`degraded: ${d.program} did not attach (${d.reason}); lost: ${d.lost}`);
    log.info(`sonde ${SONDE_VERSION} ready in ${Date.now() - started} ms: UI and API on http://${hostPort(a)}/ (metrics at /metrics), health on http://${hostPort(h)}/readyz`);
  } catch (err) {
    log.error((err as Error).message);
    pipeline?.stop();
    await Promise.all(servers.map(close));
    return 1;
  }

  const why = await runUntil(config.durationMs);
  log.info(`stopping (${why === 'signal' ? 'signal' : 'duration reached'}): detaching probes`);
  pipeline.stop();
  await Promise.all(servers.map(close));
  return 0;
}
