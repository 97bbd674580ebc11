/**
 * A first page for `sonde up` until the full UI lands (issue #6): live TCP flows and links to
 * the machine endpoints. Self-contained: no CDN, the agent may run air-gapped.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sonde</title>
<style>
  :root { color-scheme: light dark; --fg: #1b1f24; --muted: #6a737d; --bg: #fff; --line: #e1e4e8; --bad: #c62828; --warn: #b26a00; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8b949e; --bg: #0d1117; --line: #30363d; --bad: #ff7b72; --warn: #d29922; } }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: var(--fg); background: var(--bg); }
  header { display: flex; gap: 1.5rem; align-items: baseline; padding: .8rem 1.2rem; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.1rem; margin: 0; }
  header a { color: var(--muted); }
  main { padding: 1rem 1.2rem; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; }
  td.num { text-align: right; }
  .failed { color: var(--bad); } .reset { color: var(--warn); }
  #status { color: var(--muted); }
</style>
</head>
<body>
<header><h1>sonde</h1><span id="status">connecting…</span><a href="/metrics">/metrics</a><a href="/api/v1/flows">/api/v1/flows</a></header>
<main>
<h2>Recent TCP flows</h2>
<table><thead><tr><th>end</th><th>service</th><th>pid</th><th>dir</th><th>local</th><th>remote</th><th>sent</th><th>received</th><th>rtt µs</th><th>retrans</th><th>ms</th><th>status</th></tr></thead>
<tbody id="flows"></tbody></table>
</main>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
async function refresh() {
  try {
    const [flows, status] = await Promise.all([fetch('/api/v1/flows?limit=200').then((r) => r.json()), fetch('/api/v1/status').then((r) => r.json())]);
    document.getElementById('status').textContent = 'up ' + Math.round(status.uptime_seconds) + ' s · ' + status.flows_seen + ' flows seen';
    document.getElementById('flows').innerHTML = flows.map((f) => '<tr class="' + esc(f.status) + '"><td>' + esc(f.end.slice(11, 23)) + '</td><td>' + esc(f.service_name) +
      '</td><td>' + f.pid + '</td><td>' + esc(f.direction) + '</td><td>' + esc(f.local_addr) + ':' + f.local_port + '</td><td>' + esc(f.remote_addr) + ':' + f.remote_port +
      '</td><td class="num">' + f.bytes_sent + '</td><td class="num">' + f.bytes_received + '</td><td class="num">' + f.srtt_us + '</td><td class="num">' + f.retransmits +
      '</td><td class="num">' + f.duration_ms.toFixed(1) + '</td><td>' + esc(f.status) + '</td></tr>').join('');
  } catch (e) {
    document.getElementById('status').textContent = 'agent unreachable';
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
