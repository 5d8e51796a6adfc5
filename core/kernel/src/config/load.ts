import { dirname, resolve } from 'node:path';
import type { ResolvedConfig } from '@rvoip/contracts';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { ConfigInvalidError } from '../errors.js';
import type { ConfigIssue } from '../errors.js';
import { applyEnvOverrides } from './env.js';
import type { EnvOverride } from './env.js';
import { configSchema } from './schema.js';
import { resolveSecrets } from './secrets.js';
import { findConfig } from './search.js';
import { createAjv, validateWith } from './validate.js';

export interface LoadConfigOptions {
  /** Explicit file (`--config`); otherwise RVOIP_CONFIG, then a search of `cwd`. */
  readonly configPath?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  readonly config: ResolvedConfig;
  /** JSON pointers of values that came from `${env:}`/`${file:}` references. */
  readonly secretPointers: ReadonlySet<string>;
  readonly envOverrides: readonly EnvOverride[];
  /** Problems found; the kernel adds plugin problems and throws them all together. */
  readonly issues: readonly ConfigIssue[];
  readonly where: string;
}

let compiled: ValidateFunction | undefined;
function coreValidator(): ValidateFunction {
  compiled ??= createAjv().compile(configSchema);
  return compiled;
}

/** Cross-field rules JSON Schema cannot say; tolerant of shapes the schema already rejected. */
function semanticIssues(config: ResolvedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ports = config.media?.rtpPorts;
  if (Array.isArray(ports) && typeof ports[0] === 'number' && typeof ports[1] === 'number' && ports[0] > ports[1]) {
    issues.push({ path: 'media.rtpPorts', message: `got ${JSON.stringify(ports)}; expected [min, max] with min <= max` });
  }
  const listen: unknown = config.sip?.listen;
  if (Array.isArray(listen)) {
    listen.forEach((uri: unknown, i) => {
      const port = typeof uri === 'string' ? Number(/:(\d+)$/.exec(uri)?.[1]) : NaN;
      if (port > 65535) issues.push({ path: `sip.listen[${i}]`, message: `got ${JSON.stringify(uri)}; expected a port between 0 and 65535` });
    });
  }
  const workers: unknown = config.sip?.workers;
  if (typeof workers === 'number' && workers > 1 && config.storage?.adapter === 'memory') {
    issues.push({
      path: 'sip.workers',
      message: `got ${workers} with storage.adapter "memory"; worker threads need a storage shared across threads (e.g. storage.adapter "sqlite"), or set sip.workers to 1`,
    });
  }
  const users: unknown = config.registrar?.users;
  if (Array.isArray(users)) {
    const seen = new Map<unknown, number>();
    users.forEach((u: { username?: unknown } | null, i) => {
      const name = u?.username;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first !== undefined) issues.push({ path: `registrar.users[${i}].username`, message: `got ${JSON.stringify(name)}; expected a username not already used by registrar.users[${first}]` });
      else seen.set(name, i);
    });
  }
  return issues;
}

/** Reads, overrides, resolves secrets and validates; never throws for content problems. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const found = await findConfig(cwd, options.configPath ?? env.RVOIP_CONFIG);
  const where = found.filepath ?? `${cwd} (no config file, defaults)`;
  const baseDir = found.filepath ? dirname(found.filepath) : cwd;
  const issues: ConfigIssue[] = [];

  let data: Record<string, unknown>;
  if (typeof found.config !== 'object' || found.config === null || Array.isArray(found.config)) {
    issues.push({ path: '', message: `got ${JSON.stringify(found.config)}; expected the config file to export an object` });
    data = {};
  } else {
    try {
      data = structuredClone(found.config) as Record<string, unknown>;
    } catch (err) {
      issues.push({ path: '', message: `config must be plain data (${(err as Error).message})` });
      data = {};
    }
  }
  const env_ = applyEnvOverrides(data, env);
  issues.push(...env_.issues);
  const secrets = resolveSecrets(data, env, baseDir);
  issues.push(...secrets.issues);
  const schemaIssues = validateWith(coreValidator(), data);
  issues.push(...schemaIssues);

  const config = { ...(data as object), configFile: found.filepath, baseDir } as ResolvedConfig;
  issues.push(...semanticIssues(config));
  if (schemaIssues.length === 0) {
    if (config.storage.adapter === 'sqlite' && Object.keys(config.storage.options).length === 0) {
      (config.storage as { options: Record<string, unknown> }).options = { path: './data/rvoip.db' };
    }
  }
  return { config, secretPointers: secrets.secretPointers, envOverrides: env_.overrides, issues, where };
}

/** loadConfig for callers that only need a valid config (no plugins involved). */
export async function loadValidConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const loaded = await loadConfig(options);
  if (loaded.issues.length > 0) throw new ConfigInvalidError(loaded.issues, loaded.where);
  return loaded;
}
