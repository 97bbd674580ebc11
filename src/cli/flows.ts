import { FlowPipeline } from '../agent/flow-pipeline.js';
import type { SondeConfig } from '../config/schema.js';
import { matchesFlow, type FlowFilter } from '../telemetry/flow-record.js';
import { flowTableHeader, flowTableRow } from './flow-table.js';
import { runUntil } from './run-until.js';
import { UsageError } from './args.js';

function intFlag(flags: Record<string, string | boolean>, name: string, max: number): number | undefined {
  const v = flags[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}, got "${v}"`, 'flows');
  return Number(v);
}

/** `sonde flows`: a live view of TCP connections as they close. */
export async function runFlows(config: SondeConfig, flags: Record<string, string | boolean>): Promise<number> {
  const filter: FlowFilter = {};
  const pid = intFlag(flags, 'pid', 2 ** 32 - 1);
  const port = intFlag(flags, 'port', 65535);
  if (pid !== undefined) filter.pid = pid;
  if (port !== undefined) filter.port = port;
  if (typeof flags.comm === 'string') filter.comm = flags.comm;
  const json = flags.json === true;
  const out = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  if (!json) out(flowTableHeader());
  let pipeline: FlowPipeline;
  try {
    pipeline = await FlowPipeline.start({
      tableSize: config.flows.tableSize,
      rules: config.services,
      ownerEvents: false,
      onFlow: (r) => {
        if (matchesFlow(r, filter)) out(json ? JSON.stringify(r) : flowTableRow(r));
      },
      onError: (err) => process.stderr.write(`sonde flows: ${(err as Error).message}\n`),
    });
  } catch (err) {
    process.stderr.write(`sonde flows: ${(err as Error).message}\n`);
    return 1;
  }
  for (const d of pipeline.degraded) process.stderr.write(`sonde flows: degraded: ${d.program} (${d.reason}); lost: ${d.lost}\n`);
  process.stderr.write('sonde flows: watching TCP connections (Ctrl-C to stop)\n');
  await runUntil(config.durationMs);
  pipeline.stop();
  return 0;
}
