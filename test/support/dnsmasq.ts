import { startDaemon, type Daemon } from './daemon.js';

/**
 * A real dnsmasq answering on 127.0.0.1:<port> (UDP and TCP) from its own records only: names
 * under example.test resolve, everything else is refused (no upstream servers).
 */
export async function startDnsmasq(port: number): Promise<Daemon> {
  return startDaemon({
    command: 'dnsmasq',
    args: ['--keep-in-foreground', '--port', String(port), '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv',
      '--no-hosts', '--address=/example.test/10.1.2.3', '--address=/v6.example.test/fd00::1', '--pid-file=', '--user=root'],
    port,
  });
}
