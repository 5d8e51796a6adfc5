import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig } from 'cosmiconfig';
import type { Loader } from 'cosmiconfig';
import { parse as parseYaml } from 'yaml';
import { ConfigLoadError, ConfigNotFoundError } from '../errors.js';

export const MODULE_NAME = 'rvoip';

/** Where `rvoip` looks, in order; package.json is left out because its `rvoip` field declares plugins. */
export const SEARCH_PLACES = [
  'rvoip.config.ts',
  'rvoip.config.mts',
  'rvoip.config.js',
  'rvoip.config.mjs',
  'rvoip.config.json',
  'rvoip.config.yaml',
  'rvoip.config.yml',
  '.rvoiprc',
  '.rvoiprc.json',
  '.rvoiprc.yaml',
  '.rvoiprc.yml',
  '.rvoiprc.js',
  '.rvoiprc.mjs',
  '.rvoiprc.ts',
  '.rvoiprc.mts',
];

interface TsxApi {
  tsImport(specifier: string, parent: string): Promise<unknown>;
}

/**
 * TS configs go through tsx's tsImport (full TypeScript, tsconfig paths, decorators in
 * imported sources); without tsx installed, Node's own type stripping loads them.
 */
async function importModule(filepath: string): Promise<unknown> {
  const url = pathToFileURL(filepath).href;
  if (/\.[cm]?ts$/.test(filepath)) {
    let api: TsxApi | undefined;
    try {
      api = (await import('tsx/esm/api')) as TsxApi;
    } catch {
      api = undefined;
    }
    if (api) return api.tsImport(url, import.meta.url);
  }
  return import(url);
}

async function unwrap(mod: unknown): Promise<unknown> {
  const exported = typeof mod === 'object' && mod !== null && 'default' in mod ? (mod as { default: unknown }).default : mod;
  // defineConfig(() => ...) form: evaluated once, may be async.
  return typeof exported === 'function' ? await (exported as () => unknown)() : exported;
}

const moduleLoader: Loader = async (filepath) => unwrap(await importModule(filepath));
const yamlLoader: Loader = (_filepath, content) => parseYaml(content) as unknown;
const jsonLoader: Loader = (_filepath, content) => JSON.parse(content) as unknown;

export interface FoundConfig {
  readonly filepath: string | undefined;
  readonly config: unknown;
}

/** `explicitPath` (from --config or RVOIP_CONFIG) wins; otherwise search `cwd` only. */
export async function findConfig(cwd: string, explicitPath?: string): Promise<FoundConfig> {
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'none',
    cache: false,
    loaders: {
      '.ts': moduleLoader,
      '.mts': moduleLoader,
      '.js': moduleLoader,
      '.mjs': moduleLoader,
      '.json': jsonLoader,
      '.yaml': yamlLoader,
      '.yml': yamlLoader,
      noExt: yamlLoader,
    },
  });
  if (explicitPath) {
    const filepath = resolve(cwd, explicitPath);
    if (!existsSync(filepath)) throw new ConfigNotFoundError(filepath);
    try {
      const result = await explorer.load(filepath);
      return { filepath, config: result?.config ?? {} };
    } catch (err) {
      throw new ConfigLoadError(filepath, err);
    }
  }
  let result;
  try {
    result = await explorer.search(cwd);
  } catch (err) {
    const filepath = (err as { filepath?: string }).filepath ?? cwd;
    throw new ConfigLoadError(filepath, err);
  }
  return { filepath: result?.filepath, config: result?.config ?? {} };
}
