// A gRPC server (@grpc/grpc-js) for the capture tests, run as a child process. No .proto: the
// service is declared by hand with raw-bytes (de)serializers. Prints {"port": N} once bound.
//
// usage: node grpc-server.mjs tls CERT KEY | node grpc-server.mjs h2c
// helloworld.Greeter/SayHello (unary): "hello <name>"; the name "missing" fails with NOT_FOUND (5).
// helloworld.Greeter/StreamHellos (server streaming): three messages, then OK.
import { readFileSync } from 'node:fs';
import grpc from '@grpc/grpc-js';

const [mode, certFile, keyFile] = process.argv.slice(2);
const raw = { requestSerialize: (b) => b, requestDeserialize: (b) => b, responseSerialize: (b) => b, responseDeserialize: (b) => b };
export const GREETER = {
  SayHello: { path: '/helloworld.Greeter/SayHello', requestStream: false, responseStream: false, ...raw },
  StreamHellos: { path: '/helloworld.Greeter/StreamHellos', requestStream: false, responseStream: true, ...raw },
};

const server = new grpc.Server();
server.addService(GREETER, {
  SayHello(call, callback) {
    const name = call.request.toString();
    if (name === 'missing') callback({ code: grpc.status.NOT_FOUND, details: 'no such name' });
    else callback(null, Buffer.from(`hello ${name}`));
  },
  StreamHellos(call) {
    for (let i = 0; i < 3; i++) call.write(Buffer.from(`hello ${i}`));
    call.end();
  },
});
const credentials = mode === 'tls'
  ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(certFile), private_key: readFileSync(keyFile) }])
  : grpc.ServerCredentials.createInsecure();
server.bindAsync('127.0.0.1:0', credentials, (err, port) => {
  if (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
