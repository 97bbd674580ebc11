import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveServiceName, globMatch, scriptName, type ServiceIdentity, type ServiceRule } from './service-name.js';

const CONTAINER = '3f1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';

function proc(p: Partial<ServiceIdentity> & { cmdline?: string[] }): ServiceIdentity {
  return { comm: 'x', exe: null, cmdline: [], containerId: null, systemdUnit: null, ...p };
}

const py = (...args: string[]): ServiceIdentity =>
  proc({ comm: 'python3', exe: '/usr/bin/python3.11', cmdline: ['python3', ...args] });
const node = (...args: string[]): ServiceIdentity =>
  proc({ comm: 'node', exe: '/usr/local/bin/node', cmdline: ['node', ...args] });
const java = (...args: string[]): ServiceIdentity =>
  proc({ comm: 'java', exe: '/usr/lib/jvm/java-17-openjdk-amd64/bin/java', cmdline: ['java', ...args] });

describe('deriveServiceName without rules', () => {
  const cases: { name: string; proc: ServiceIdentity; expected: string }[] = [
    // systemd units come first
    {
      name: 'systemd service',
      proc: proc({ comm: 'nginx', exe: '/usr/sbin/nginx', systemdUnit: 'nginx.service' }),
      expected: 'nginx',
    },
    {
      name: 'systemd unit beats the interpreter script',
      proc: { ...py('/srv/app/api.py'), systemdUnit: 'billing-api.service' },
      expected: 'billing-api',
    },
    { name: 'generic unit is just stripped', proc: proc({ comm: 'sshd', systemdUnit: 'ssh.service' }), expected: 'ssh' },
    {
      name: 'user manager is skipped',
      proc: proc({ comm: 'systemd', exe: '/usr/lib/systemd/systemd', systemdUnit: 'user@1000.service' }),
      expected: 'systemd',
    },
    { name: 'session scope is skipped', proc: { ...py('/home/me/t.py'), systemdUnit: 'session-3.scope' }, expected: 't' },
    { name: 'init.scope is skipped', proc: proc({ comm: 'systemd', systemdUnit: 'init.scope' }), expected: 'systemd' },
    { name: 'named scope', proc: proc({ comm: 'sh', systemdUnit: 'backup-job.scope' }), expected: 'backup-job' },
    { name: 'anonymous systemd-run scope is skipped', proc: proc({ comm: 'sleep', systemdUnit: 'run-u42.scope' }), expected: 'sleep' },

    // python
    { name: 'python -m module', proc: py('-m', 'http.server', '8000'), expected: 'http.server' },
    { name: 'python script', proc: py('/srv/app/api.py'), expected: 'api' },
    { name: 'python unbuffered + module', proc: py('-u', '-m', 'http.server', '0', '--bind', '127.0.0.1'), expected: 'http.server' },
    { name: 'python clustered flags with glued module', proc: py('-uBmuvicorn', 'main:app'), expected: 'uvicorn' },
    { name: 'python -X and -W take values', proc: py('-X', 'dev', '-W', 'ignore', 'worker.py'), expected: 'worker' },
    { name: 'python glued -X', proc: py('-Xfrozen_modules=off', 'worker.py'), expected: 'worker' },
    { name: 'python package __main__', proc: py('-m', 'pip.__main__'), expected: 'pip' },
    { name: 'python gunicorn entry script', proc: py('/usr/local/bin/gunicorn', '-w', '4', 'app:app'), expected: 'gunicorn' },
    { name: 'python main.py names the project', proc: py('/srv/shop/main.py'), expected: 'shop' },
    { name: 'python -c has no script: the name it was started by', proc: py('-c', 'print(1)'), expected: 'python3' },
    { name: 'python clustered -c', proc: py('-uc', 'print(1)'), expected: 'python3' },
    { name: 'python REPL: the name it was started by', proc: py(), expected: 'python3' },

    // node
    { name: 'node relative script', proc: node('server.js'), expected: 'server' },
    { name: 'node dist/index.js names the project', proc: node('/app/dist/index.js'), expected: 'app' },
    { name: 'node nested layout folders', proc: node('/srv/orders/build/src/main.mjs'), expected: 'orders' },
    { name: 'node relative dist/index.js keeps the stem', proc: node('dist/index.js'), expected: 'index' },
    { name: 'node specific file in dist', proc: node('/app/dist/worker.js'), expected: 'worker' },
    { name: 'node flags skipped', proc: node('--inspect', '--max-old-space-size=4096', '-r', 'dotenv/config', 'api.js'), expected: 'api' },
    { name: 'node --import value', proc: node('--import', 'tsx', 'src/cli.ts'), expected: 'cli' },
    { name: 'node -e: exe', proc: node('-e', 'setInterval(()=>{},1e3)'), expected: 'node' },
    { name: 'nodejs binary name', proc: proc({ comm: 'nodejs', exe: '/usr/bin/nodejs', cmdline: ['nodejs', 'bot.js'] }), expected: 'bot' },

    // java
    { name: 'java -jar strips the version', proc: java('-Xmx512m', '-jar', '/opt/foo-1.2.jar'), expected: 'foo' },
    { name: 'java -jar snapshot', proc: java('-jar', 'target/orders-0.0.1-SNAPSHOT.jar'), expected: 'orders' },
    { name: 'java main class', proc: java('-cp', 'x', 'com.example.Main'), expected: 'com.example.Main' },
    {
      name: 'java options before main class',
      proc: java('-Xms1g', '-Dlog4j.configuration=file:/etc/kafka/log4j.properties', '--add-opens', 'java.base/java.lang=ALL-UNNAMED', '-classpath', '/opt/kafka/libs/*', 'kafka.Kafka', 'server.properties'),
      expected: 'kafka.Kafka',
    },
    { name: 'java module', proc: java('-p', 'mods', '-m', 'com.example.app/com.example.app.Main'), expected: 'com.example.app.Main' },

    // other interpreters
    { name: 'ruby script', proc: proc({ comm: 'ruby', exe: '/usr/bin/ruby3.1', cmdline: ['ruby', 'bin/rails', 'server'] }), expected: 'rails' },
    {
      name: 'ruby bundle exec',
      proc: proc({ comm: 'ruby', exe: '/usr/bin/ruby3.1', cmdline: ['ruby', '/usr/local/bin/bundle', 'exec', 'puma'] }),
      expected: 'puma',
    },
    { name: 'perl script', proc: proc({ comm: 'perl', exe: '/usr/bin/perl', cmdline: ['perl', '-w', '-I', 'lib', 'mailer.pl'] }), expected: 'mailer' },
    { name: 'php script', proc: proc({ comm: 'php', exe: '/usr/bin/php8.2', cmdline: ['php', 'artisan', 'queue:work'] }), expected: 'artisan' },
    { name: 'php -f', proc: proc({ comm: 'php', exe: '/usr/bin/php8.2', cmdline: ['php', '-d', 'x=1', '-f', 'cron.php'] }), expected: 'cron' },
    { name: 'bun run', proc: proc({ comm: 'bun', exe: '/root/.bun/bin/bun', cmdline: ['bun', 'run', 'src/index.ts'] }), expected: 'index' },
    { name: 'deno run with permissions', proc: proc({ comm: 'deno', exe: '/usr/bin/deno', cmdline: ['deno', 'run', '--allow-net', '/srv/chat/main.ts'] }), expected: 'chat' },

    // fallbacks
    { name: 'non-interpreter: exe basename', proc: proc({ comm: 'redis-server', exe: '/usr/bin/redis-server', cmdline: ['redis-server *:6379'] }), expected: 'redis-server' },
    { name: 'multi-call binary: the name it was started by', proc: proc({ comm: 'redis-server', exe: '/usr/bin/redis-check-rdb', cmdline: ['/usr/bin/redis-server 127.0.0.1:6379'] }), expected: 'redis-server' },
    { name: 'multi-call binary with a comm cut to 15 bytes', proc: proc({ comm: 'very-long-appli', exe: '/bin/busybox', cmdline: ['very-long-application-name', '-x'] }), expected: 'very-long-application-name' },
    { name: 'retitled process keeps its exe name', proc: proc({ comm: 'postgres', exe: '/usr/lib/postgresql/15/bin/postgres', cmdline: ['postgres: checkpointer '] }), expected: 'postgres' },
    { name: 'argv0 that comm disagrees with is not the name', proc: proc({ comm: 'worker', exe: '/usr/bin/app', cmdline: ['other-name'] }), expected: 'app' },
    { name: 'interpreter found from argv0 when exe unreadable', proc: proc({ comm: 'python3', cmdline: ['/usr/bin/python3', 'app/api.py'] }), expected: 'api' },
    { name: 'no exe: comm', proc: proc({ comm: 'kworker/0:1' }), expected: 'kworker/0:1' },
    { name: 'nothing at all: never empty', proc: proc({ comm: '' }), expected: 'unknown' },
    { name: 'containerised process without rule: exe', proc: proc({ comm: 'envoy', exe: '/usr/local/bin/envoy', containerId: CONTAINER }), expected: 'envoy' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(deriveServiceName(c.proc, null, []), c.expected));
});

describe('deriveServiceName with rules', () => {
  const target = proc({
    comm: 'python3',
    exe: '/usr/bin/python3.11',
    cmdline: ['python3', '-m', 'http.server'],
    containerId: CONTAINER,
  });
  const cases: { name: string; rules: ServiceRule[]; port: number | null; expected: string }[] = [
    { name: 'exe glob on basename', rules: [{ name: 'files', exe: 'python3*' }], port: null, expected: 'files' },
    { name: 'exe glob on full path', rules: [{ name: 'files', exe: '/usr/bin/*' }], port: null, expected: 'files' },
    { name: 'exe full path must match whole', rules: [{ name: 'files', exe: '/usr/bin' }], port: null, expected: 'http.server' },
    { name: 'comm exact', rules: [{ name: 'files', comm: 'python3' }], port: null, expected: 'files' },
    { name: 'comm mismatch', rules: [{ name: 'files', comm: 'python' }], port: null, expected: 'http.server' },
    { name: 'port matches', rules: [{ name: 'files', port: 8000 }], port: 8000, expected: 'files' },
    { name: 'port rule needs a port', rules: [{ name: 'files', port: 8000 }], port: null, expected: 'http.server' },
    { name: 'container short id prefix', rules: [{ name: 'files', container: CONTAINER.slice(0, 12) }], port: null, expected: 'files' },
    { name: 'container glob', rules: [{ name: 'files', container: '*4d3e2f1a' }], port: null, expected: 'files' },
    {
      name: 'all matchers must match',
      rules: [{ name: 'files', comm: 'python3', port: 9000 }],
      port: 8000,
      expected: 'http.server',
    },
    {
      name: 'first matching rule wins',
      rules: [
        { name: 'nope', comm: 'nginx' },
        { name: 'first', exe: '*python*' },
        { name: 'second', comm: 'python3' },
      ],
      port: null,
      expected: 'first',
    },
    { name: 'exe star matches any known exe', rules: [{ name: 'files', exe: '*' }], port: null, expected: 'files' },
    { name: 'rule without matchers is a catch-all', rules: [{ name: 'everything' }], port: null, expected: 'everything' },
    { name: 'rule with an empty name is ignored', rules: [{ name: '', comm: 'python3' }], port: null, expected: 'http.server' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(deriveServiceName(target, c.port, c.rules), c.expected));

  it('exe rule does not match when the exe is unknown', () => {
    assert.equal(deriveServiceName(proc({ comm: 'app' }), null, [{ name: 'x', exe: '*' }]), 'app');
  });
  it('container rule does not match outside containers', () => {
    assert.equal(deriveServiceName(proc({ comm: 'app' }), null, [{ name: 'x', container: '*' }]), 'app');
  });
});

describe('globMatch', () => {
  const cases: { name: string; pattern: string; subject: string; matches: boolean }[] = [
    { name: 'literal', pattern: 'nginx', subject: 'nginx', matches: true },
    { name: 'literal is anchored', pattern: 'nginx', subject: 'nginx-debug', matches: false },
    { name: 'star suffix', pattern: 'python*', subject: 'python3.11', matches: true },
    { name: 'star crosses slashes', pattern: '/opt/*/bin/app', subject: '/opt/a/b/bin/app', matches: true },
    { name: 'dot is literal', pattern: 'a.b', subject: 'axb', matches: false },
    { name: 'regex characters are literal', pattern: 'c++(x)', subject: 'c++(x)', matches: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(globMatch(c.pattern, c.subject), c.matches));
});

describe('scriptName', () => {
  const cases: { name: string; path: string; expected: string | null }[] = [
    { name: 'plain file', path: 'server.js', expected: 'server' },
    { name: 'dot-relative', path: './server.js', expected: 'server' },
    { name: 'generic in project', path: '/app/index.js', expected: 'app' },
    { name: 'generic under dist', path: '/home/me/todo/dist/index.cjs', expected: 'todo' },
    { name: 'parent-relative stops at ..', path: '../dist/index.js', expected: 'index' },
    { name: 'jar version', path: '/opt/kafka_2.13-3.5.0.jar', expected: 'kafka' },
    { name: 'jar without version', path: '/opt/spring-boot-app.jar', expected: 'spring-boot-app' },
    { name: 'generic jar names its folder', path: '/srv/ledger/app-1.0.jar', expected: 'ledger' },
    { name: 'no extension', path: '/usr/local/bin/celery', expected: 'celery' },
    { name: 'empty path', path: '', expected: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(scriptName(c.path), c.expected));
});
