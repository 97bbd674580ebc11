import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUTHORITY_ROUTE, OTHER_ROUTE, RouteNormalizer, normalizePath, segmentPlaceholder, targetPath, targetQuery,
  validateRoutePattern,
} from './route.js';

describe('targetPath', () => {
  const cases: { name: string; target: string; want: string }[] = [
    { name: 'plain path', target: '/users/42', want: '/users/42' },
    { name: 'query dropped', target: '/search?q=secret&page=2', want: '/search' },
    { name: 'fragment dropped', target: '/docs#intro', want: '/docs' },
    { name: 'query then fragment', target: '/a?b=1#c', want: '/a' },
    { name: 'root', target: '/', want: '/' },
    { name: 'root with query', target: '/?x=1', want: '/' },
    { name: 'absolute-form URL', target: 'http://example.com:8080/api/v1?x=1', want: '/api/v1' },
    { name: 'absolute-form without a path', target: 'http://example.com', want: '/' },
    { name: 'absolute-form with a query but no path', target: 'http://example.com?a=/b', want: '/' },
    { name: 'asterisk-form (OPTIONS *)', target: '*', want: '*' },
    { name: 'authority-form (CONNECT)', target: 'example.com:443', want: 'example.com:443' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(targetPath(c.target), c.want));
});

describe('targetQuery', () => {
  const cases: { name: string; target: string; want: string | null }[] = [
    { name: 'none', target: '/a', want: null },
    { name: 'query', target: '/a?b=1&c=2', want: 'b=1&c=2' },
    { name: 'fragment not included', target: '/a?b=1#frag', want: 'b=1' },
    { name: 'empty query', target: '/a?', want: '' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(targetQuery(c.target), c.want));
});

describe('segmentPlaceholder', () => {
  const cases: { name: string; segment: string; want: string | null }[] = [
    { name: 'number', segment: '12345', want: '{id}' },
    { name: 'single digit', segment: '0', want: '{id}' },
    { name: 'long number', segment: '98765432109876543210', want: '{id}' },
    { name: 'UUID lower case', segment: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', want: '{uuid}' },
    { name: 'UUID upper case', segment: '3F2504E0-4F89-41D3-9A0C-0305E82C3301', want: '{uuid}' },
    { name: 'UUID without dashes is hex', segment: '3f2504e04f8941d39a0c0305e82c3301', want: '{hex}' },
    { name: 'git sha', segment: 'b24cd51a9f', want: '{hex}' },
    { name: 'mongo object id', segment: '507f1f77bcf86cd799439011', want: '{hex}' },
    { name: 'short hex stays', segment: 'ab12cd', want: null },
    { name: 'hex-looking word without digits stays', segment: 'deadbeef', want: null },
    { name: 'date', segment: '2024-01-31', want: '{date}' },
    { name: 'base64url token', segment: 'dGhpcyBpcyBhIHRva2Vu_x-9Q', want: '{token}' },
    { name: 'JWT-ish token', segment: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123', want: '{token}' },
    { name: 'long slug without digits stays', segment: 'configuration-settings-page', want: null },
    { name: 'short word with digits stays', segment: 'v1', want: null },
    { name: 'word', segment: 'users', want: null },
    { name: 'file name', segment: 'index.html', want: null },
    { name: 'number with extension stays', segment: '123.json', want: null },
    { name: 'non-ASCII stays', segment: 'café2024café2024café2024', want: null },
    { name: 'longer than 64 characters', segment: 'a'.repeat(65), want: '{token}' },
    { name: 'empty', segment: '', want: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(segmentPlaceholder(c.segment), c.want));
});

describe('normalizePath', () => {
  const cases: { name: string; path: string; want: string }[] = [
    { name: 'no ids', path: '/api/users', want: '/api/users' },
    { name: 'numeric id', path: '/users/42/orders/7', want: '/users/{id}/orders/{id}' },
    { name: 'uuid', path: '/items/3f2504e0-4f89-41d3-9a0c-0305e82c3301', want: '/items/{uuid}' },
    { name: 'trailing slash kept', path: '/users/42/', want: '/users/{id}/' },
    { name: 'double slash kept', path: '/a//42', want: '/a//{id}' },
    { name: 'empty path', path: '', want: '/' },
    { name: 'root', path: '/', want: '/' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(normalizePath(c.path), c.want));
});

describe('validateRoutePattern', () => {
  const cases: { name: string; pattern: unknown; error: RegExp | null }[] = [
    { name: 'parameters', pattern: '/users/:id/orders', error: null },
    { name: 'braces', pattern: '/users/{id}', error: null },
    { name: 'rest', pattern: '/static/*', error: null },
    { name: 'no leading slash', pattern: 'users/:id', error: /must start with "\/"/ },
    { name: 'query', pattern: '/a?b', error: /without "\?"/ },
    { name: 'partial glob', pattern: '/files/*.png', error: /whole segment/ },
    { name: 'unnamed parameter', pattern: '/a/:', error: /needs a name/ },
    { name: 'empty segment', pattern: '/a//b', error: /empty segment/ },
    { name: 'not a string', pattern: 42, error: /must be a string/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = validateRoutePattern(c.pattern);
      if (c.error === null) assert.equal(got, null);
      else assert.match(got ?? '', c.error);
    });
  }
  it('the constructor throws naming the bad pattern', () => {
    assert.throws(() => new RouteNormalizer({ patterns: ['/ok', 'bad'] }), /"bad"/);
  });
});

describe('RouteNormalizer', () => {
  it('normalizes ids and drops the query', () => {
    const r = new RouteNormalizer();
    assert.equal(r.route('web', '/users/42?tab=1'), '/users/{id}');
    assert.equal(r.route('web', '/users/43'), '/users/{id}');
    assert.equal(r.routeCount('web'), 1);
  });

  it('returns null when the request was not seen', () => {
    assert.equal(new RouteNormalizer().route('web', null), null);
  });

  it('gives CONNECT and OPTIONS * fixed routes', () => {
    const r = new RouteNormalizer();
    assert.equal(r.route('proxy', 'example.com:443'), AUTHORITY_ROUTE);
    assert.equal(r.route('proxy', 'other.example:443'), AUTHORITY_ROUTE);
    assert.equal(r.route('web', '*'), '*');
    assert.equal(r.route('web', ''), '/', 'an empty target is the root');
  });

  const patternCases: { name: string; patterns: ConstructorParameters<typeof RouteNormalizer>[0]; service: string; target: string; want: string }[] = [
    { name: 'a global pattern wins over placeholders', patterns: { patterns: ['/users/:id/orders'] }, service: 'a', target: '/users/alice/orders', want: '/users/:id/orders' },
    { name: 'a parameter needs a segment', patterns: { patterns: ['/users/:id/orders'] }, service: 'a', target: '/users//orders', want: '/users//orders' },
    { name: 'a parameter matches exactly one segment', patterns: { patterns: ['/users/:id'] }, service: 'a', target: '/users/a/b', want: '/users/a/b' },
    { name: 'rest matches deeper paths', patterns: { patterns: ['/static/*'] }, service: 'a', target: '/static/css/site.css?v=3', want: '/static/*' },
    { name: 'rest matches nothing too', patterns: { patterns: ['/static/*'] }, service: 'a', target: '/static', want: '/static/*' },
    { name: 'trailing slash ignored when matching', patterns: { patterns: ['/users/{id}'] }, service: 'a', target: '/users/bob/', want: '/users/{id}' },
    { name: 'first pattern wins', patterns: { patterns: ['/a/:x', '/a/b'] }, service: 'a', target: '/a/b', want: '/a/:x' },
    { name: 'middle star is one segment', patterns: { patterns: ['/a/*/c'] }, service: 'a', target: '/a/b/c', want: '/a/*/c' },
    { name: 'per-service pattern', patterns: { patterns: { shop: ['/cart/:sku'] } }, service: 'shop', target: '/cart/AB-1', want: '/cart/:sku' },
    { name: 'per-service pattern not applied elsewhere', patterns: { patterns: { shop: ['/cart/:sku'] } }, service: 'blog', target: '/cart/AB-1', want: '/cart/AB-1' },
    { name: '"*" key applies to every service', patterns: { patterns: { '*': ['/health/*'], shop: ['/cart/:sku'] } }, service: 'shop', target: '/health/live', want: '/health/*' },
    { name: 'service patterns before "*" ones', patterns: { patterns: { '*': ['/x/:a'], shop: ['/x/:sku'] } }, service: 'shop', target: '/x/1', want: '/x/:sku' },
    { name: 'no match falls back to placeholders', patterns: { patterns: ['/static/*'] }, service: 'a', target: '/users/42', want: '/users/{id}' },
  ];
  for (const c of patternCases) {
    it(c.name, () => assert.equal(new RouteNormalizer(c.patterns).route(c.service, c.target), c.want));
  }

  it('folds routes past the per-service limit into /{other}, counting each folded exchange', () => {
    const folded: string[] = [];
    const r = new RouteNormalizer({ maxRoutesPerService: 3, onOverflow: (s) => folded.push(s) });
    assert.equal(r.route('api', '/a'), '/a');
    assert.equal(r.route('api', '/b'), '/b');
    assert.equal(r.route('api', '/c/1'), '/c/{id}');
    assert.equal(r.route('api', '/d'), OTHER_ROUTE);
    assert.equal(r.route('api', '/d'), OTHER_ROUTE, 'a cached fold still counts');
    assert.equal(r.route('api', '/c/2'), '/c/{id}', 'an admitted route stays admitted');
    assert.equal(r.route('api', '/a?x=1'), '/a');
    assert.equal(r.route('other', '/d'), '/d', 'the limit is per service');
    assert.equal(r.overflows, 2);
    assert.deepEqual(folded, ['api', 'api']);
    assert.equal(r.routeCount('api'), 3);
  });

  it('does not count pattern routes against the limit', () => {
    const r = new RouteNormalizer({ maxRoutesPerService: 1, patterns: ['/p/:x'] });
    assert.equal(r.route('s', '/p/1'), '/p/:x');
    assert.equal(r.route('s', '/q'), '/q');
    assert.equal(r.route('s', '/p/2'), '/p/:x');
    assert.equal(r.route('s', '/r'), OTHER_ROUTE);
  });

  it('stays correct when the cache turns over', () => {
    const r = new RouteNormalizer({ cacheSize: 2, maxRoutesPerService: 2 });
    for (let round = 0; round < 3; round++) {
      assert.equal(r.route('s', '/x/1'), '/x/{id}');
      assert.equal(r.route('s', '/y/2'), '/y/{id}');
      assert.equal(r.route('s', '/z'), OTHER_ROUTE);
      assert.equal(r.route('s', `/x/${round + 10}`), '/x/{id}');
    }
  });

  it('forgets the oldest service past maxServices', () => {
    const r = new RouteNormalizer({ maxServices: 2 });
    r.route('a', '/1');
    r.route('b', '/1');
    r.route('c', '/1');
    assert.equal(r.routeCount('a'), 0);
    assert.equal(r.routeCount('b'), 1);
    assert.equal(r.routeCount('c'), 1);
  });

  const badOptions: { name: string; options: ConstructorParameters<typeof RouteNormalizer>[0]; error: RegExp }[] = [
    { name: 'zero routes', options: { maxRoutesPerService: 0 }, error: /maxRoutesPerService must be a positive integer/ },
    { name: 'fractional cache', options: { cacheSize: 1.5 }, error: /cacheSize/ },
  ];
  for (const c of badOptions) it(`rejects ${c.name}`, () => assert.throws(() => new RouteNormalizer(c.options), c.error));
});
