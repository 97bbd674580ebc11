/** Where benches write their JSON summaries: bench/results/ (gitignored), one file per run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `<bench>-<start, UTC, to the second>.json`, e.g. `http-2026-11-22T19-35-45Z.json`. */
export function resultsFileName(bench: string, startedAt: Date): string {
  return `${bench}-${startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json`;
}

/** Writes the summary (pretty-printed) and returns its path. */
export function writeResultsFile(bench: string, startedAt: Date, summary: unknown): string {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const path = `${dir}${resultsFileName(bench, startedAt)}`;
  writeFileSync(path, `${JSON.stringify(summary, null, 2)}\n`);
  return path;
}
