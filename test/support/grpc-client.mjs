// A gRPC client (@grpc/grpc-js) for the capture tests: SayHello twice, SayHello("missing")
// (NOT_FOUND), StreamHellos once, on one channel; prints what it got as JSON and exits.
//
// usage: node grpc-client.mjs tls PORT CERT | node grpc-client.mjs h2c PORT
import { readFileSync } from 'node:fs';
import grpc from '@grpc/grpc-js';

const [mode, port, certFile] = process.argv.slice(2);
const raw = { requestSerialize: (b) => b, requestDeserialize: (b) => b, responseSerialize: (b) => b, responseDeserialize: (b) => b };
const Greeter = grpc.makeGenericClientConstructor({
  SayHello: { path: '/helloworld.Greeter/SayHello', requestStream: false, responseStream: false, ...raw },
  StreamHellos: { path: '/helloworld.Greeter/StreamHellos', requestStream: false, responseStream: true, ...raw },
}, 'Greeter');
const credentials = mode === 'tls' ? grpc.credentials.createSsl(readFileSync(certFile)) : grpc.credentials.createInsecure();
const client = new Greeter(`127.0.0.1:${port}`, credentials);

const unary = (name) => new Promise((resolve) => {
  client.SayHello(Buffer.from(name), (err, reply) => resolve(err ? { code: err.code } : { code: 0, reply: reply.toString() }));
});
const out = { unary: [] };
out.unary.push(await unary('world'));
out.unary.push(await unary('again'));
out.unary.push(await unary('missing'));
out.streamed = await new Promise((resolve, reject) => {
  const got = [];
  const call = client.StreamHellos(Buffer.from('x'));
  call.on('data', (d) => got.push(d.toString()));
  call.on('error', reject);
  call.on('end', () => resolve(got.length));
});
client.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
