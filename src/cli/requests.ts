import { FlowPipeline } from '../agent/flow-pipeline.js';
import { L7Pipeline } from '../agent/l7-pipeline.js';
import { parseDuration } from '../config/duration.js';
import type { SondeConfig } from '../config/schema.js';
import { L7Telemetry } from '../telemetry/l7-telemetry.js';
import { MetricRegistry } from '../telemetry/metrics/registry.js';
import { nameMatcher } from '../telemetry/recent-spans.js';
import type { SpanRecord } from '../telemetry/http/span-record.js';
import { UsageError } from './args.js';
import { requestTableHeader, requestTableRow } from './request-table.js';
import { runUntil } from './run-until.js';

const PROTOCOLS: readonly string[] = ['http', 'http2', 'grpc', 'postgresql', 'mysql', 'redis', 'mongodb', 'kafka', 'memcached', 'dns'];

function requestFilter(flags: Record<string, string | boolean>): (r: SpanRecord) => boolean {
  const str = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const protocol = str('protocol');
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) {
    throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, got "${protocol}"`, 'requests');
  }
  const pidText = str('pid');
  if (pidText !== undefined && !/^\d+$/.test(pidText)) throw new UsageError(`--pid must be a process id, got "${pidText}"`, 'requests');
  const pid = pidText === undefined ? undefined : Number(pidText);
  const service = str('service');
  const serviceMatches = service === undefined ? undefined : nameMatcher(service);
  const minText = str('min-duration');
  let minMs = 0;
  if (minText !== undefined) {
    try {
      minMs = parseDuration(minText);
    } catch (err) {
      throw new UsageError(`--min-duration: ${(err as Error).message}`, 'requests');
    }
  }
  return (r) => (protocol === undefined || r.protocol === protocol)
    && (pid === undefined || r.pid === pid)
    && (serviceMatches === undefined || serviceMatches(r.service_name))
    && r.duration_ms >= minMs;
}

/** `sonde requests`: a live view of L7 exchanges as they complete. */
export async function runRequests(config: SondeConfig, flags: Record<string, string | boolean>): Promise<number> {
  const matches = requestFilter(flags);
  const json = flags.json === true;
  const out = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  const telemetry = new L7Telemetry(new MetricRegistry(), {
    recentLimit: 1,
    recordBudgetPerSecond: config.l7.recordBudgetPerSecond,
    routePatterns: config.l7.routes,
    maxRoutesPerService: config.l7.maxRoutesPerService,
    keepQuery: config.l7.keepQuery,
  });
  telemetry.subscribe((r) => {
    if (matches(r)) out(json ? JSON.stringify(r) : requestTableRow(r));
  });
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  try {
    flows = await FlowPipeline.start({
      tableSize: config.flows.tableSize,
      rules: config.services,
      onFlow: (record) => l7?.connectionClosed(record.socket_cookie),
    });
    l7 = L7Pipeline.start({
      flows: flows.correlator,
      captureBytes: config.l7.captureBytes,
      maxSegmentsPerSecond: config.l7.maxSegmentsPerSecond,
      redactSecrets: config.l7.redactSecrets,
          keepSqlLiterals: config.l7.keepSqlLiterals,
          dnsPort: config.l7.dnsPort,
          tls: config.l7.tls,
      onExchange: (x) => telemetry.record(x),
      onTally: (x, count) => telemetry.recordTally(x, count),
      onError: (err) => process.stderr.write(`sonde requests: ${(err as Error).message}\n`),
    });
  } catch (err) {
    flows?.stop();
    process.stderr.write(`sonde requests: ${(err as Error).message}\n`);
    return 1;
  }
  if (!json) out(requestTableHeader());
  process.stderr.write('sonde requests: watching HTTP requests (Ctrl-C to stop)\n');
  await runUntil(config.durationMs);
  l7.stop();
  flows.stop();
  return 0;
}
