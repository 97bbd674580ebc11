import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost, presentedToken, tokenCookie } from './auth.js';

const TOKEN = 'a-long-enough-token-123';
const req = (headers: Record<string, string>): IncomingMessage => ({ headers } as unknown as IncomingMessage);

describe('isLoopbackHost', () => {
  const cases: [string, boolean][] = [
    ['127.0.0.1', true], ['127.1.2.3', true], ['::1', true], ['localhost', true],
    ['0.0.0.0', false], ['::', false], ['192.168.1.5', false], ['10.0.0.1', false], ['127.0.0.1.evil', false],
  ];
  for (const [host, want] of cases) it(`${host} → ${want}`, () => assert.equal(isLoopbackHost(host), want));
});

describe('presentedToken', () => {
  const none = new URLSearchParams();
  it('accepts a Bearer header, a ?token= and the cookie', () => {
    assert.equal(presentedToken(req({ authorization: `Bearer ${TOKEN}` }), none, TOKEN), 'header');
    assert.equal(presentedToken(req({}), new URLSearchParams({ token: TOKEN }), TOKEN), 'query');
    assert.equal(presentedToken(req({ cookie: `other=1; sonde_token=${TOKEN}` }), none, TOKEN), 'cookie');
  });
  it('refuses nothing, a wrong token, a prefix of it, or another scheme', () => {
    assert.equal(presentedToken(req({}), none, TOKEN), null);
    assert.equal(presentedToken(req({ authorization: 'Bearer wrong-token-wrong-token' }), none, TOKEN), null);
    assert.equal(presentedToken(req({ authorization: `Bearer ${TOKEN.slice(0, -1)}` }), none, TOKEN), null);
    assert.equal(presentedToken(req({ authorization: `Basic ${TOKEN}` }), none, TOKEN), null);
    assert.equal(presentedToken(req({ cookie: `sonde_token=nope` }), new URLSearchParams({ token: 'x' }), TOKEN), null);
  });
  it('the cookie is HttpOnly and same-site', () => {
    assert.match(tokenCookie(TOKEN), /HttpOnly/);
    assert.match(tokenCookie(TOKEN), /SameSite=Strict/);
  });
});
