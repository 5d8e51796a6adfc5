import type { ConfigIssue } from '../errors.js';

export const ENV_PREFIX = 'RVOIP_';
/** Variables with the prefix that steer the CLI rather than override config keys. */
const RESERVED = new Set(['RVOIP_CONFIG']);

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function parseValue(raw: string): unknown {
  // JSON first so numbers, booleans and arrays round-trip; anything else stays a string.
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export interface EnvOverride {
  readonly variable: string;
  readonly path: readonly string[];
}

/**
 * Applies `RVOIP_<SECTION>__<KEY>=value` overrides in place: `__` separates levels and
 * snake case becomes camel case, so `RVOIP_MEDIA__RTP_PORTS=[10000,10100]` sets media.rtpPorts.
 */
export function applyEnvOverrides(
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { overrides: EnvOverride[]; issues: ConfigIssue[] } {
  const overrides: EnvOverride[] = [];
  const issues: ConfigIssue[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED.has(name) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').filter(Boolean).map(camel);
    if (path.length === 0) continue;
    let node: Record<string, unknown> = config;
    let blocked = false;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        issues.push({ path: path.join('.'), message: `${name} cannot override inside ${key}, which is not an object` });
        blocked = true;
        break;
      }
      node = node[key] as Record<string, unknown>;
    }
    if (blocked) continue;
    node[path[path.length - 1]] = parseValue(raw);
    overrides.push({ variable: name, path });
  }
  return { overrides, issues };
}
