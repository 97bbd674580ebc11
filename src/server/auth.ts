import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie the UI's page sets once opened with a valid `?token=`, so its scripts and streams carry it. */
export const TOKEN_COOKIE = 'sonde_token';

/** Whether a listen host only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The token a request presents: `Authorization: Bearer <token>`, `?token=<token>`, or the UI's
 * cookie. Returns where it came from when it matches, null when nothing valid was presented.
 */
export function presentedToken(req: IncomingMessage, params: URLSearchParams, expected: string): 'header' | 'query' | 'cookie' | null {
  const auth = req.headers.authorization;
  if (auth !== undefined && /^bearer\s+/i.test(auth) && sameToken(auth.replace(/^bearer\s+/i, '').trim(), expected)) return 'header';
  const query = params.get('token');
  if (query !== null && sameToken(query, expected)) return 'query';
  const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (cookie !== undefined && sameToken(cookie, expected)) return 'cookie';
  return null;
}

/** Set-Cookie for the token: HttpOnly (scripts never read it), same-site only. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
