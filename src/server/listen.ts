import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts listening; a busy port or a bad address becomes an error that says which flag to change. */
export function listen(server: Server, address: { host: string; port: number }, flag: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
      if (err.code === 'EADDRINUSE') reject(new Error(`${where} is already in use: stop what holds it or pick another address with ${flag}`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`${where} is not an address of this host (${flag})`));
      else if (err.code === 'EACCES') reject(new Error(`not allowed to listen on ${where} (${flag})`));
      else reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address.port, address.host);
  });
}
