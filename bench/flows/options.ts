import { parseArgs } from 'node:util';

export interface BenchOptions {
  rounds: number;
  seconds: number;
}

/** --rounds and --seconds for a bench's runner (shared by bench/flows and bench/http). */
export function benchOptions(spec: { rounds: number; seconds: number; usage: string; wholeSeconds?: boolean }): BenchOptions {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: String(spec.rounds) },
      seconds: { type: 'string', default: String(spec.seconds) },
      help: { type: 'boolean', default: false },
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
  return { rounds, seconds };
}
