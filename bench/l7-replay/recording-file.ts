/**
 * A recording as one JSON file, so that two builds can replay the very same traffic (record
 * once with --save, replay with --load on each). Binary fields travel as base64.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { LOAD_WORKLOADS } from '../load-servers.js';
import type { Recording } from './recording.js';

const FORMAT = 'sonde-l7-replay/1';

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { $ab: Buffer.from(value).toString('base64') };
  if (value instanceof Uint32Array) return { $u32: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Uint8Array) return { $u8: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  return value;
}

/** A fresh ArrayBuffer of exactly the decoded bytes (Buffer.from may share a larger pool). */
function bytesOf(base64: string): ArrayBuffer {
  const b = Buffer.from(base64, 'base64');
  const out = new ArrayBuffer(b.byteLength);
  new Uint8Array(out).set(b);
  return out;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.$ab === 'string') return bytesOf(v.$ab);
  if (typeof v.$u32 === 'string') return new Uint32Array(bytesOf(v.$u32));
  if (typeof v.$u8 === 'string') return new Uint8Array(bytesOf(v.$u8));
  return value;
}

export function serializeRecording(recording: Recording): string {
  return JSON.stringify({ format: FORMAT, recording }, replacer);
}

export function parseRecording(text: string, source = 'recording'): Recording {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, reviver);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message})`);
  }
  const p = parsed as { format?: unknown; recording?: Partial<Recording> } | null;
  if (p === null || typeof p !== 'object' || p.format !== FORMAT) throw new Error(`${source}: not a ${FORMAT} recording`);
  const r = p.recording;
  if (r === undefined || !Array.isArray(r.batches) || !Array.isArray(r.tallies) || typeof r.requests !== 'number'
    || typeof r.startNs !== 'number' || typeof r.endNs !== 'number' || typeof r.seconds !== 'number') {
    throw new Error(`${source}: missing batches, tallies, requests, seconds, startNs or endNs`);
  }
  if (r.workload !== undefined && !LOAD_WORKLOADS.includes(r.workload)) throw new Error(`${source}: unknown workload ${String(r.workload)}`);
  for (const [i, b] of r.batches.entries()) {
    if ((b.ring !== 'flow' && b.ring !== 'l7') || !(b.buffer instanceof ArrayBuffer) || !(b.index instanceof Uint32Array)
      || b.index.length !== b.count * 2 || typeof b.atNs !== 'number') {
      throw new Error(`${source}: batch ${i} is malformed`);
    }
  }
  return r as Recording;
}

export function saveRecording(path: string, recording: Recording): void {
  writeFileSync(path, serializeRecording(recording));
}

export function loadRecording(path: string): Recording {
  return parseRecording(readFileSync(path, 'utf8'), path);
}
