import { parseArgs } from 'node:util';

export interface BenchOptions {
  rounds: number;
  seconds: number;
  /**
   * Unmeasured load after each condition starts, before its measured window (0: none). The
   * agent starts cold: V8 compiles its hot code during its first ~20 s under load, when it
   * takes about twice the CPU of a settled agent. A long-running agent has paid that once.
   * Benches that take it apply it to every condition alike.
   */
  warmup: number;
  /** Load connections kept open (wrk -c), where the bench takes --connections. */
  connections?: number;
}

/**
 * --rounds and --seconds for a bench's runner, --warmup where `takesWarmup` gives its default,
 * and --connections where `takesConnections` gives its.
 */
export function benchOptions(spec: { rounds: number; seconds: number; usage: string; wholeSeconds?: boolean; takesWarmup?: number; takesConnections?: number; args?: string[] }): BenchOptions {
  const { values } = parseArgs({
    ...(spec.args === undefined ? {} : { args: spec.args }),
    options: {
      rounds: { type: 'string', default: String(spec.rounds) },
      seconds: { type: 'string', default: String(spec.seconds) },
      help: { type: 'boolean', default: false },
      // Only where the bench applies it: elsewhere --warmup is an unknown option, not a no-op.
      ...(spec.takesWarmup === undefined ? {} : { warmup: { type: 'string' as const, default: String(spec.takesWarmup) } }),
      ...(spec.takesConnections === undefined ? {} : { connections: { type: 'string' as const, default: String(spec.takesConnections) } }),
    },
  });
  if (values.help) {
    console.log(spec.usage);
    process.exit(0);
  }
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  if (spec.wholeSeconds === true ? !Number.isInteger(seconds) || seconds < 1 : !(seconds > 0)) {
    throw new Error(`--seconds must be ${spec.wholeSeconds === true ? 'a positive whole number' : 'positive'}, got ${values.seconds}`);
  }
  const warmup = Number(values.warmup ?? 0);
  if (spec.wholeSeconds === true ? !Number.isInteger(warmup) || warmup < 0 : !(warmup >= 0)) {
    throw new Error(`--warmup must be ${spec.wholeSeconds === true ? 'a whole number' : 'a number'} of seconds, 0 or more, got ${values.warmup}`);
  }
  if (spec.takesConnections === undefined) return { rounds, seconds, warmup };
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1) throw new Error(`--connections must be a positive integer, got ${values.connections}`);
  return { rounds, seconds, warmup, connections };
}
