// Browser test: a real `sonde up` watching real traffic — nginx hit by curl, and a Python
// service (test/support/checkout.py) that calls redis-server — driven through Debian's Chromium
// with playwright-core. Every page must load without console errors and show what the API (and
// so the traffic) says; screenshots land in test-artifacts/ui/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { packageRoot } from '../src/kernel/package-root.js';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './support/browser.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import type { Daemon } from './support/daemon.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { startNginx, type NginxServer } from './support/nginx.js';
import { startRedis } from './support/redis.js';
import { startSondeUp, type SondeProcess } from './support/sonde-process.js';
import { waitFor } from './support/wait.js';

const CHECKOUT = join(packageRoot(), 'test', 'support', 'checkout.py');

interface OverviewService { name: string; requests: number; errors: number }
interface Overview { services: OverviewService[] }
interface Graph { nodes: { id: string; kind: string }[]; edges: { client: string; server: string; protocol: string; requests: number }[] }
interface SpansPage { total: number; items: { id: number; protocol: string; service_name: string }[] }

function curl(url: string, times: number): void {
  const args = ['-s', '-o', '/dev/null', '--max-time', '10'];
  for (let i = 0; i < times; i++) args.push(url);
  const r = spawnSync('curl', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `curl ${url}: ${r.stderr}`);
}

describe('UI: sonde up in Chromium over real traffic', () => {
  let sonde: SondeProcess | null = null;
  let redis: Daemon | null = null;
  let checkout: ChildServer | null = null;
  let nginx: NginxServer | null = null;
  let browser: Browser | null = null;
  let dir = '';
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://${sonde!.api}${path}`);
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return (await res.json()) as T;
  };

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    dir = mkdtempSync(join(tmpdir(), 'sonde-ui-'));
    sonde = await startSondeUp(['--store', join(dir, 'sonde.db')]);
    redis = await startRedis();
    checkout = await startChildServer('/usr/bin/python3', [CHECKOUT, String(redis.port)]);
    nginx = await startNginx();
    curl(`http://127.0.0.1:${nginx.port}/`, 12);
    curl(`http://127.0.0.1:${checkout.port}/buy`, 15);
    curl(`http://127.0.0.1:${checkout.port}/cart`, 5);
    curl(`http://127.0.0.1:${checkout.port}/fail`, 3);
    // Everything above is in the store once each server's side of it is: checkout's 23 HTTP
    // exchanges, nginx's 12 and redis-server's 25 commands (checkout's client side of them comes first).
    const total = async (query: string): Promise<number> => (await api<SpansPage>(`/api/v1/spans?range=5m&limit=1&${query}`)).total;
    await waitFor('the store to hold the traffic', async () => {
      const [c, n, r] = await Promise.all([total('service=checkout&protocol=http'), total('service=nginx&protocol=http'), total('service=redis-server&protocol=redis')]);
      return c >= 23 && n >= 12 && r >= 25 ? true : undefined;
    }, 30_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await api('/api/v1/overview?range=5m'))}\n${sonde?.stderr()}`);
    });
    // Rollups (what the overview reads) follow the raw rows within a second.
    await new Promise((r) => setTimeout(r, 2000));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sonde?.stop();
    await nginx?.stop();
    await checkout?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function page(hash: string, name: string, check: (p: WatchedPage) => Promise<void>, scheme: 'light' | 'dark' = 'light'): Promise<void> {
    const w = await openPage(browser!, `http://${sonde!.api}/${hash}`, { colorScheme: scheme });
    try {
      await check(w);
      await screenshot(w.page, name);
      assert.deepEqual(w.consoleErrors, [], `console errors on ${hash}`);
      assert.deepEqual(w.failedRequests, [], `failed requests on ${hash}`);
    } finally {
      await w.close();
    }
  }

  it('overview: the real services, with the counts the API has', async (t) => {
    if (!requireKernel(t)) return;
    const o = await api<Overview>('/api/v1/overview?range=5m');
    const checkoutStats = o.services.find((s) => s.name === 'checkout')!;
    assert.equal(checkoutStats.requests, 23, 'the API counts every checkout request');
    assert.equal(checkoutStats.errors, 3, 'the /fail requests are errors');
    await page('#/overview?range=5m', 'overview', async ({ page: p }) => {
      const rows = p.getByTestId('service-row');
      await rows.first().waitFor();
      const names = await rows.allInnerTexts();
      for (const want of ['checkout', 'nginx', 'redis-server']) assert.ok(names.some((n) => n.includes(want)), `${want} in ${names.join(' | ')}`);
      assert.equal(await p.getByTestId('range-5m').getAttribute('aria-pressed'), 'true');
    });
  });

  it('/metrics: the Redis calls of checkout as OpenTelemetry db client metrics, and the graph edge', async (t) => {
    if (!requireKernel(t)) return;
    const text = await (await fetch(`http://${sonde!.api}/metrics`)).text();
    const count = (op: string): number => {
      const line = text.split('\n').find((l) => l.startsWith('db_client_operation_duration_seconds_count{') &&
        l.includes('db_system_name="redis"') && l.includes(`db_operation_name="${op}"`) && l.includes('service_name="checkout"') && l.includes('db_response_status_code=""'));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    assert.equal(count('INCRBY'), 15, 'one per /buy');
    const failed = text.split('\n').filter((l) => l.startsWith('db_client_operation_duration_seconds_count{') && l.includes('db_response_status_code="WRONGTYPE"'));
    assert.equal(failed.length, 1, failed.join('\n'));
    assert.match(failed[0]!, / 3$/, 'one per /fail');
    assert.match(text, /traces_service_graph_request_total\{client="checkout",server="redis-server"\} \d+/);
  });

  it('service map: checkout calls the Redis cache, curl calls checkout and nginx', async (t) => {
    if (!requireKernel(t)) return;
    const g = await api<Graph>('/api/v1/graph?range=5m');
    const edge = g.edges.find((e) => e.client === 'checkout' && e.server === 'redis-server');
    assert.ok(edge, `checkout -> redis-server in ${JSON.stringify(g.edges)}`);
    assert.equal(edge.protocol, 'redis');
    assert.equal(g.nodes.find((n) => n.id === 'redis-server')?.kind, 'cache');
    await page('#/map?range=5m', 'map', async ({ page: p }) => {
      await p.getByTestId('map-node').first().waitFor();
      const kindOf = async (id: string): Promise<string | null> => p.locator(`[data-testid="map-node"][data-id="${id}"]`).getAttribute('data-kind');
      assert.equal(await kindOf('redis-server'), 'cache');
      assert.equal(await kindOf('checkout'), 'service');
      assert.equal(await kindOf('nginx'), 'service');
      for (const [client, server] of [['checkout', 'redis-server'], ['curl', 'checkout'], ['curl', 'nginx']]) {
        assert.equal(await p.locator(`[data-testid="map-edge"][data-client="${client}"][data-server="${server}"]`).count(), 1, `${client} -> ${server}`);
      }
    }, 'dark');
  });

  it('service page: checkout\'s operations and its Redis dependency', async (t) => {
    if (!requireKernel(t)) return;
    await page('#/service/checkout?range=5m', 'service-checkout', async ({ page: p }) => {
      await p.getByTestId('operation-row').first().waitFor();
      const ops = (await p.getByTestId('operation-row').allInnerTexts()).join('\n');
      for (const route of ['/buy', '/cart', '/fail']) assert.match(ops, new RegExp(route));
      await p.getByTestId('outbound-row').first().waitFor();
      assert.match((await p.getByTestId('outbound-row').allInnerTexts()).join('\n'), /redis-server/);
      assert.ok(await p.getByTestId('failed-row').count() >= 1, 'the failed /fail requests are listed');
    });
  });

  it('requests: the protocol filter narrows to Redis calls, and a row opens its detail', async (t) => {
    if (!requireKernel(t)) return;
    const redisSpans = await api<SpansPage>('/api/v1/spans?range=5m&protocol=redis&limit=1');
    assert.ok(redisSpans.total >= 2 * 23, `client and server side of every Redis call: ${redisSpans.total}`);
    await page('#/requests?range=5m', 'requests', async ({ page: p }) => {
      await p.getByTestId('request-row').first().waitFor();
      await p.getByTestId('filter-protocol').selectOption('redis');
      await waitFor('only Redis rows', async () => {
        const rows = await p.getByTestId('request-row').allInnerTexts();
        return rows.length > 0 && rows.every((r) => /redis/i.test(r)) ? true : undefined;
      }, 10_000);
      await waitFor('the filtered total', async () => ((await p.getByTestId('requests-total').innerText()).replace(/[^\d]/g, '') === String(redisSpans.total) ? true : undefined), 10_000);
      await p.getByTestId('request-row').first().click();
      await p.getByTestId('request-detail').waitFor();
      assert.match((await p.getByTestId('attribute-row').allInnerTexts()).join('\n'), /db\.system\.name\s+redis/);
    });
  });

  it('flows: recent TCP flows and top talkers', async (t) => {
    if (!requireKernel(t)) return;
    await page('#/flows?range=5m', 'flows', async ({ page: p }) => {
      await p.getByTestId('flow-row').first().waitFor();
      assert.ok(await p.getByTestId('talker-row').count() >= 1);
    });
  });

  it('live: new traffic shows up on an open page without a reload', async (t) => {
    if (!requireKernel(t)) return;
    await page('#/overview?range=5m', 'overview-live', async ({ page: p }) => {
      const checkoutRow = p.getByTestId('service-row').filter({ hasText: 'checkout' });
      await checkoutRow.waitFor();
      const before = await checkoutRow.innerText();
      assert.match(before, /\b23\b/, `23 requests before: ${before}`);
      await p.evaluate(() => { (window as unknown as { marker: number }).marker = 1; });
      curl(`http://127.0.0.1:${checkout!.port}/buy`, 5);
      await waitFor('the row to show 28 requests', async () => (/\b28\b/.test(await checkoutRow.innerText()) ? true : undefined), 20_000);
      assert.equal(await p.evaluate(() => (window as unknown as { marker?: number }).marker), 1, 'the page was not reloaded');
    });
  });

  it('alerts, profiles and system: ready in the navigation, empty for now', async (t) => {
    if (!requireKernel(t)) return;
    await page('#/alerts', 'alerts', async ({ page: p }) => { await p.getByTestId('alerts-empty').waitFor(); });
    await page('#/profiles', 'profiles', async ({ page: p }) => { await p.getByTestId('placeholder').waitFor(); });
    await page('#/system', 'system', async ({ page: p }) => { await p.getByTestId('placeholder').waitFor(); });
  });
});

describe('UI and API behind a token', () => {
  it('without the token: 401 on the API and the UI; with it: the UI loads cleanly', async (t) => {
    if (!requireKernel(t)) return;
    const token = 'test-token-0123456789abcdef';
    const sonde = await startSondeUp(['--store', ':memory:', '--auth-token', token]);
    const browser = await launchBrowser();
    try {
      for (const path of ['/', '/api/v1/overview', '/metrics', '/main.js']) {
        assert.equal((await fetch(`http://${sonde.api}${path}`)).status, 401, `${path} without a token`);
      }
      assert.equal((await fetch(`http://${sonde.api}/api/v1/overview`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      const w = await openPage(browser, `http://${sonde.api}/?token=${token}#/overview`);
      try {
        await w.page.getByTestId('services-table').waitFor();
        assert.deepEqual(w.consoleErrors, []);
        assert.deepEqual(w.failedRequests, []);
      } finally {
        await w.close();
      }
    } finally {
      await browser.close();
      await sonde.stop();
    }
  });

  it('refuses to listen beyond loopback without a token, naming the setting', async (t) => {
    if (!requireKernel(t)) return;
    const r = spawnSync(join(packageRoot(), 'bin', 'sonde'), ['up', '--listen', '0.0.0.0:0', '--store', ':memory:', '--duration', '5s'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /auth_token/);
  });
});
