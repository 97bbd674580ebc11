export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Human-readable log lines on stderr (stdout belongs to data: `sonde flows --json`). */
export class Logger {
  readonly #min: number;
  readonly #write: (line: string) => void;

  constructor(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l + '\n')) {
    this.#min = ORDER[level];
    this.#write = write;
  }

  #log(level: LogLevel, message: string): void {
    if (ORDER[level] < this.#min) return;
    this.#write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}`);
  }

  debug(message: string): void { this.#log('debug', message); }
  info(message: string): void { this.#log('info', message); }
  warn(message: string): void { this.#log('warn', message); }
  error(message: string): void { this.#log('error', message); }
}
