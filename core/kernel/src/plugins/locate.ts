import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly main?: string;
  readonly exports?: unknown;
  /** `"rvoip": { "plugin": "./index.js" }` (or just `"rvoip": "./index.js"`) marks a plugin package. */
  readonly rvoip?: string | { readonly plugin?: string };
}

export interface Location {
  /** Absolute path of the module that exports the plugin definition. */
  readonly entry: string;
  readonly packageDir?: string;
  readonly packageJson?: PackageJson;
}

export function readPackageJson(dir: string): PackageJson | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

function exportsEntry(exp: unknown): string | undefined {
  if (typeof exp === 'string') return exp;
  if (typeof exp !== 'object' || exp === null) return undefined;
  const map = exp as Record<string, unknown>;
  const dot = '.' in map ? map['.'] : map;
  if (typeof dot === 'string') return dot;
  if (typeof dot !== 'object' || dot === null) return undefined;
  const conditions = dot as Record<string, unknown>;
  for (const key of ['import', 'default', 'node']) {
    const found = exportsEntry(conditions[key]);
    if (found) return found;
  }
  return undefined;
}

/** The plugin module inside a package: the `rvoip` field first, then exports/main. */
export function packageEntry(dir: string, pkg: PackageJson): string {
  const declared = typeof pkg.rvoip === 'string' ? pkg.rvoip : pkg.rvoip?.plugin;
  return resolve(dir, declared ?? exportsEntry(pkg.exports) ?? pkg.main ?? 'index.js');
}

const INDEX_FILES = ['index.js', 'index.mjs', 'index.ts', 'index.mts'];

function locateDirectory(dir: string): Location | undefined {
  const pkg = readPackageJson(dir);
  if (pkg) return { entry: packageEntry(dir, pkg), packageDir: dir, packageJson: pkg };
  const index = INDEX_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  return index ? { entry: index } : undefined;
}

/** Node's lookup, without `exports` restrictions on package.json: walk node_modules upwards. */
function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Resolves a config specifier; the error string says exactly where it looked. */
export function locatePlugin(specifier: string, baseDir: string): Location | string {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const path = resolve(baseDir, specifier);
    if (!existsSync(path)) return `no plugin at ${path}`;
    if (statSync(path).isDirectory()) return locateDirectory(path) ?? `${path} has neither a package.json nor an index file`;
    return { entry: path };
  }
  const dir = findPackageDir(specifier, baseDir);
  if (!dir) return `package "${specifier}" is not installed (searched node_modules from ${baseDir} upwards)`;
  return locateDirectory(dir) ?? `package "${specifier}" has no package.json`;
}
