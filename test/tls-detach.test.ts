// Kernel test: closing the L7 probes hands the TLS uprobes to a short-lived reaper process
// (native linksReleaseDetached), because detaching uprobes one by one waits for the kernel's
// RCU grace periods and held the agent's shutdown for seconds. What must hold: the close returns
// with this process holding no uprobe link, every TLS program is then unloaded, and the reaper
// does not outlive that.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import { requireKernel } from './support/kernel.js';
import { waitFor } from './support/wait.js';

interface BpfProg { id: number; name?: string }

function loadedPrograms(): BpfProg[] {
  const r = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `bpftool -j prog show: ${r.stderr}`);
  return JSON.parse(r.stdout) as BpfProg[];
}

/** BPF link fds of perf-event type (uprobes) this process holds. */
function heldUprobeLinks(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf_link') continue;
      if (/^link_type:\s*perf(_event)?$/m.test(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** Processes whose command line is this one's, other than this one: a reaper still running. */
function copiesOfThisProcess(): number[] {
  const mine = readFileSync('/proc/self/cmdline', 'utf8');
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/cmdline`, 'utf8') === mine;
    } catch {
      return false;
    }
  }).map(Number);
}

describe('TLS uprobes on close', () => {
  it('are released by a reaper: none held here after close, all unloaded soon after, no reaper left', async (t) => {
    if (!requireKernel(t)) return;
    const flows = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: () => {} });
    let l7: L7Pipeline | undefined;
    try {
      l7 = L7Pipeline.start({ flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 40000, redactSecrets: true, onExchange: () => {} });
      const pipeline = l7;
      // libssl is probed as soon as discovery starts (system libraries are pinned).
      await waitFor('TLS uprobes attached', () => (heldUprobeLinks(process.pid) >= 4 ? true : undefined));
      const tlsIds = new Set(loadedPrograms().filter((p) => /^l7_(ssl|gnutls)_/.test(p.name ?? '')).map((p) => p.id));
      assert.ok(tlsIds.size > 0, 'TLS programs are loaded');
      assert.ok((pipeline.tls?.attached().length ?? 0) > 0, 'at least one TLS binary is probed');
      l7.stop();
      l7 = undefined;
      assert.equal(heldUprobeLinks(process.pid), 0, 'the close left no uprobe link in this process');
      await waitFor('the TLS programs to be unloaded', () => {
        const left = loadedPrograms().filter((p) => tlsIds.has(p.id));
        return left.length === 0 ? true : undefined;
      }, 30_000, 200);
      await waitFor('the reaper to exit', () => (copiesOfThisProcess().length === 0 ? true : undefined), 10_000, 100);
    } finally {
      l7?.stop();
      flows.stop();
    }
  });
});
