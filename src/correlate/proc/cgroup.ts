export interface CgroupIdentity {
  containerId: string | null;
  systemdUnit: string | null;
  /** The most specific cgroup path found (v2 unified when it says anything, else v1). */
  path: string;
}

interface CgroupLine {
  controllers: string;
  path: string;
}

// Container runtimes name the leaf cgroup after the 64-hex container id, either bare
// (cgroupfs driver: /docker/<id>, /kubepods/<qos>/pod<uid>/<id>) or as a systemd scope
// (systemd driver: docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
// libpod-<id>.scope). The conmon monitors of cri-o and podman carry the same id in
// crio-conmon-/libpod-conmon- scopes but are not the container.
const CONTAINER_SEGMENT =
  /^(?:(?:docker|cri-containerd|crio|libpod)-)?([0-9a-f]{64})(?:\.scope)?$/;

const UNIT_SEGMENT = /^[^/]+\.(?:service|scope)$/;

/** Pure: /proc/<pid>/cgroup text (v1, v2 or hybrid) → container id, systemd unit, path. */
export function parseCgroup(text: string): CgroupIdentity {
  const lines = parseLines(text);
  const unified = lines.find((l) => l.controllers === '');
  const named = lines.find((l) => l.controllers.split(',').includes('name=systemd'));
  // Hybrid hosts often leave the v2 hierarchy empty ("0::/") and put processes in v1
  // controllers only, so fall back through systemd's own v1 tree to any non-root path.
  const candidates = [unified, named, ...lines].filter((l): l is CgroupLine => l !== undefined);
  const best = candidates.find((l) => l.path !== '/' && l.path !== '') ?? unified ?? lines[0];
  const path = best?.path ?? '/';

  let containerId: string | null = null;
  for (const line of [best, ...candidates]) {
    if (line === undefined) continue;
    containerId = findContainerId(line.path);
    if (containerId !== null) break;
  }
  let systemdUnit: string | null = null;
  for (const line of [best, named, unified]) {
    if (line === undefined) continue;
    systemdUnit = findSystemdUnit(line.path);
    if (systemdUnit !== null) break;
  }
  return { containerId, systemdUnit, path };
}

function parseLines(text: string): CgroupLine[] {
  const lines: CgroupLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    // hierarchy-id:controllers:path — the path itself may contain ':'.
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    lines.push({ controllers: line.slice(first + 1, second), path: line.slice(second + 1) });
  }
  return lines;
}

function segments(path: string): string[] {
  // ".." appears when the reader sits in a nested cgroup namespace (agent in a pod).
  return path.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
}

/** Deepest match wins so a container nested in another (docker-in-docker) reports its own id. */
export function findContainerId(path: string): string | null {
  const parts = segments(path);
  for (let i = parts.length - 1; i >= 0; i--) {
    const match = CONTAINER_SEGMENT.exec(parts[i] ?? '');
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

/**
 * The innermost systemd unit on the path. Login session scopes are not services, and the scope
 * a container runtime creates is already named by the container id, so neither counts.
 */
export function findSystemdUnit(path: string): string | null {
  const parts = segments(path);
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] ?? '';
    if (!UNIT_SEGMENT.test(part)) continue;
    if (/^session-[^/]*\.scope$/.test(part)) return null;
    if (part.endsWith('.scope') && (CONTAINER_SEGMENT.test(part) || /-conmon-/.test(part))) return null;
    return part;
  }
  return null;
}
