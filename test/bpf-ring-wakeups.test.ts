// The ring consumers (native/ringbuf.c) sleep while their ring is empty and count on the kernel
// to wake them for the first record after that. A record submitted with BPF_RB_NO_WAKEUP would
// wait for the consumer's 1 s safety timeout instead: flows and exchanges late by up to a
// second, owner waits expiring. Every submission in bpf/ must let the kernel decide (flag 0) or
// force the wake-up; this reads the sources, so it needs neither root nor a kernel.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bpfDir = fileURLToPath(new URL('../../bpf/', import.meta.url));
const sources = [
  ...readdirSync(bpfDir).filter((f) => f.endsWith('.bpf.c')).map((f) => join(bpfDir, f)),
  ...readdirSync(join(bpfDir, 'lib')).filter((f) => f.endsWith('.h')).map((f) => join(bpfDir, 'lib', f)),
];

/** The flags argument of each bpf_ringbuf_submit / bpf_ringbuf_output call (its last argument). */
function submitFlags(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/bpf_ringbuf_(submit|output)\s*\(/g)) {
    let depth = 1;
    let i = (m.index ?? 0) + m[0].length;
    let lastComma = -1;
    for (; i < text.length && depth > 0; i++) {
      const c = text[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === ',' && depth === 1) lastComma = i;
    }
    out.push(text.slice(lastComma + 1, i - 1).replace(/\s+/g, ' ').trim());
  }
  return out;
}

describe('BPF ring buffer submissions wake a sleeping consumer', () => {
  it('finds the submissions it checks (the sources are where this test thinks)', () => {
    assert.ok(sources.some((f) => f.endsWith('flows.bpf.c')), sources.join(', '));
    assert.ok(sources.flatMap((f) => submitFlags(readFileSync(f, 'utf8'))).length >= 6);
  });

  for (const file of sources) {
    const flags = submitFlags(readFileSync(file, 'utf8'));
    if (flags.length === 0) continue;
    it(`${file.slice(bpfDir.length)}: ${flags.length} submission(s), none with BPF_RB_NO_WAKEUP`, () => {
      for (const f of flags) assert.match(f, /^(0|BPF_RB_FORCE_WAKEUP|SONDE_RB_WAKEUP\(.*\)|flags)$/, `flags argument "${f}"`);
    });
  }

  it('the flags a submission may take from a variable come from SONDE_RB_WAKEUP', () => {
    const tls = readFileSync(join(bpfDir, 'lib', 'l7_tls.bpf.h'), 'utf8');
    assert.match(tls, /__u64 flags = SONDE_RB_WAKEUP\(/);
  });
});
