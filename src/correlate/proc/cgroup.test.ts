import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgroup, type CgroupIdentity } from './cgroup.js';

const ID = '3f1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';
const ID2 = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1';
const POD = 'pod6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

function v1(path: string, systemdPath = path): string {
  return [
    `12:pids:${path}`,
    `11:memory:${path}`,
    `10:cpu,cpuacct:${path}`,
    '9:devices:/',
    `1:name=systemd:${systemdPath}`,
    '0::/',
    '',
  ].join('\n');
}

describe('parseCgroup', () => {
  const cases: { name: string; text: string; expected: CgroupIdentity }[] = [
    {
      name: 'v2 systemd service',
      text: '0::/system.slice/nginx.service\n',
      expected: { containerId: null, systemdUnit: 'nginx.service', path: '/system.slice/nginx.service' },
    },
    {
      name: 'v2 templated service',
      text: '0::/system.slice/system-getty.slice/getty@tty1.service\n',
      expected: {
        containerId: null,
        systemdUnit: 'getty@tty1.service',
        path: '/system.slice/system-getty.slice/getty@tty1.service',
      },
    },
    {
      name: 'v2 login session scope is not a unit',
      text: '0::/user.slice/user-1000.slice/session-3.scope\n',
      expected: { containerId: null, systemdUnit: null, path: '/user.slice/user-1000.slice/session-3.scope' },
    },
    {
      name: 'v2 user service under the user manager',
      text: '0::/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service\n',
      expected: {
        containerId: null,
        systemdUnit: 'syncthing.service',
        path: '/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service',
      },
    },
    {
      name: 'v2 root cgroup',
      text: '0::/\n',
      expected: { containerId: null, systemdUnit: null, path: '/' },
    },
    {
      name: 'v2 pid 1 in init.scope',
      text: '0::/init.scope\n',
      expected: { containerId: null, systemdUnit: 'init.scope', path: '/init.scope' },
    },
    {
      name: 'v2 docker with the systemd driver',
      text: `0::/system.slice/docker-${ID}.scope\n`,
      expected: { containerId: ID, systemdUnit: null, path: `/system.slice/docker-${ID}.scope` },
    },
    {
      name: 'v1 docker with the cgroupfs driver',
      text: v1(`/docker/${ID}`),
      expected: { containerId: ID, systemdUnit: null, path: `/docker/${ID}` },
    },
    {
      name: 'v2 kubernetes containerd (systemd driver)',
      text: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope\n`,
      expected: {
        containerId: ID,
        systemdUnit: null,
        path: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`,
      },
    },
    {
      name: 'v1 kubernetes (cgroupfs driver)',
      text: v1(`/kubepods/besteffort/${POD}/${ID}`),
      expected: { containerId: ID, systemdUnit: null, path: `/kubepods/besteffort/${POD}/${ID}` },
    },
    {
      name: 'v2 cri-o',
      text: `0::/kubepods.slice/kubepods-${POD}.slice/crio-${ID}.scope\n`,
      expected: { containerId: ID, systemdUnit: null, path: `/kubepods.slice/kubepods-${POD}.slice/crio-${ID}.scope` },
    },
    {
      name: 'v2 cri-o conmon is not the container',
      text: `0::/kubepods.slice/kubepods-${POD}.slice/crio-conmon-${ID}.scope\n`,
      expected: {
        containerId: null,
        systemdUnit: null,
        path: `/kubepods.slice/kubepods-${POD}.slice/crio-conmon-${ID}.scope`,
      },
    },
    {
      name: 'v2 podman with its nested container cgroup',
      text: `0::/machine.slice/libpod-${ID}.scope/container\n`,
      expected: { containerId: ID, systemdUnit: null, path: `/machine.slice/libpod-${ID}.scope/container` },
    },
    {
      name: 'v2 rootless podman under the user manager',
      text: `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope\n`,
      expected: {
        containerId: ID,
        systemdUnit: null,
        path: `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`,
      },
    },
    {
      name: 'docker-in-docker reports the inner container',
      text: `0::/docker/${ID}/docker/${ID2}\n`,
      expected: { containerId: ID2, systemdUnit: null, path: `/docker/${ID}/docker/${ID2}` },
    },
    {
      name: 'systemd running inside a container',
      text: `0::/docker/${ID}/system.slice/nginx.service\n`,
      expected: { containerId: ID, systemdUnit: 'nginx.service', path: `/docker/${ID}/system.slice/nginx.service` },
    },
    {
      name: 'reader in a nested cgroup namespace sees ..',
      text: '0::/../../system.slice/redis-server.service\n',
      expected: {
        containerId: null,
        systemdUnit: 'redis-server.service',
        path: '/../../system.slice/redis-server.service',
      },
    },
    {
      name: 'hybrid host: v2 empty, systemd v1 tree names the unit',
      text: v1('/system.slice/postgresql@15-main.service'),
      expected: {
        containerId: null,
        systemdUnit: 'postgresql@15-main.service',
        path: '/system.slice/postgresql@15-main.service',
      },
    },
    {
      name: 'hybrid host as captured here: only memory is non-root, id is not 64-hex',
      text: '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/a89a431349a0aa0c20403d6932369b14\n1:cpu:/\n0::/\n',
      expected: { containerId: null, systemdUnit: null, path: '/process_api/a89a431349a0aa0c20403d6932369b14' },
    },
    {
      name: 'uppercase or short hex is not a container id',
      text: `0::/docker/${ID.toUpperCase()}\n`,
      expected: { containerId: null, systemdUnit: null, path: `/docker/${ID.toUpperCase()}` },
    },
    {
      name: 'empty text',
      text: '',
      expected: { containerId: null, systemdUnit: null, path: '/' },
    },
    {
      name: 'garbage lines are ignored',
      text: `garbage\n0::/system.slice/sshd.service\n`,
      expected: { containerId: null, systemdUnit: 'sshd.service', path: '/system.slice/sshd.service' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseCgroup(c.text), c.expected));
});
