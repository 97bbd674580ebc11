// A Node TLS client for the TLS capture tests: GETs each path in turn over one connection
// (https keep-alive agent, or one http2 session), prints the statuses as a JSON array, exits.
//
// usage: node node-tls-client.mjs https|http2 PORT PATH...
import { Agent, request } from 'node:https';
import { connect } from 'node:http2';

const [mode, port, ...paths] = process.argv.slice(2);
const statuses = [];

async function viaHttps() {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  for (const path of paths) {
    await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(port), path, agent, rejectUnauthorized: false }, (res) => {
        statuses.push(res.statusCode);
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  }
  agent.destroy();
}

async function viaHttp2() {
  const session = connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  for (const path of paths) {
    await new Promise((resolve, reject) => {
      const req = session.request({ ':path': path });
      req.on('response', (h) => statuses.push(h[':status']));
      req.on('error', reject);
      req.resume();
      req.on('end', resolve);
      req.end();
    });
  }
  await new Promise((resolve) => session.close(resolve));
}

await (mode === 'http2' ? viaHttp2() : viaHttps());
process.stdout.write(`${JSON.stringify(statuses)}\n`);
