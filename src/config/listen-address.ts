import { isIPv4, isIPv6 } from 'node:net';
import { InvalidValueError } from './config-error.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * The host used for ":8080". The agent exposes process and traffic details, so an
 * omitted host must never mean "all interfaces"; exposing it is an explicit choice
 * ("0.0.0.0:8080" or "[::]:8080").
 */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

const EXAMPLES = 'e.g. "127.0.0.1:8080", "[::1]:8080" or ":8080"';
const HOSTNAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Parses "host:port". IPv6 hosts must be bracketed; the brackets are stripped so the
 * result can go straight to `server.listen({ host, port })`. Port 0 is accepted
 * because it asks the kernel for an ephemeral port, which tests rely on.
 */
export function parseListenAddress(text: string): ListenAddress {
  const input = text.trim();
  if (input === '') throw new InvalidValueError(`must be a listen address (${EXAMPLES}), got an empty string`);

  let host: string;
  let portText: string;
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close < 0) throw new InvalidValueError(`unclosed "[" in "${text}"; ${EXAMPLES}`);
    host = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (rest === '') throw new InvalidValueError(`missing port in "${text}"; ${EXAMPLES}`);
    if (!rest.startsWith(':')) throw new InvalidValueError(`must be "[host]:port", got "${text}"`);
    portText = rest.slice(1);
    if (!isIPv6(host)) throw new InvalidValueError(`invalid IPv6 address "${host}" in "${text}"`);
  } else {
    const colon = input.lastIndexOf(':');
    if (colon < 0) {
      const hint = /^\d+$/.test(input) ? `; to listen on port ${input} use ":${input}"` : `; ${EXAMPLES}`;
      throw new InvalidValueError(`missing port in "${text}"${hint}`);
    }
    host = input.slice(0, colon);
    portText = input.slice(colon + 1);
    if (host.includes(':')) {
      throw new InvalidValueError(`IPv6 addresses need brackets, e.g. "[::1]:8080", got "${text}"`);
    }
    if (host === '') host = DEFAULT_LISTEN_HOST;
    else checkHost(host, text);
  }

  return { host, port: parsePort(portText, text) };
}

function checkHost(host: string, text: string): void {
  if (isIPv4(host)) return;
  // Dotted digits that are not a valid IPv4 address would otherwise pass as a hostname.
  if (/^[\d.]+$/.test(host)) throw new InvalidValueError(`invalid IPv4 address "${host}" in "${text}"`);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253 || !name.split('.').every((label) => HOSTNAME_LABEL.test(label))) {
    throw new InvalidValueError(`invalid host "${host}" in "${text}"; ${EXAMPLES}`);
  }
}

function parsePort(portText: string, text: string): number {
  if (portText === '') throw new InvalidValueError(`missing port in "${text}"; ${EXAMPLES}`);
  if (!/^\d+$/.test(portText)) throw new InvalidValueError(`invalid port "${portText}" in "${text}"`);
  const port = Number(portText);
  if (port > 65535) throw new InvalidValueError(`port ${portText} out of range 0-65535 in "${text}"`);
  return port;
}

/** Inverse of parseListenAddress, for logs and help text. */
export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
