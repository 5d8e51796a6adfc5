import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readPackageJson } from './locate.js';

/** The app a config belongs to: the nearest directory upwards that has a package.json. */
export function findAppRoot(fromDir: string): string {
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(fromDir);
  }
}

/**
 * Opt-in discovery (`discovery.installed`): packages directly in the app's node_modules whose
 * package.json has an `rvoip` field. Returns package names, sorted for a stable load order.
 */
export function discoverInstalled(fromDir: string): string[] {
  const root = join(findAppRoot(fromDir), 'node_modules');
  if (!existsSync(root)) return [];
  const names: string[] = [];
  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.')) continue;
    const scoped = entry.startsWith('@') ? readdirSync(join(root, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of scoped) {
      try {
        if (readPackageJson(join(root, name))?.rvoip !== undefined) names.push(name);
      } catch {
        // An unreadable package.json is not ours to judge; it simply is not a plugin.
      }
    }
  }
  return names.sort();
}

/** Local plugin folders (`discovery.dirs`): each subfolder is one plugin. Absolute paths. */
export function discoverLocal(baseDir: string, dirs: readonly string[]): { found: string[]; missing: string[] } {
  const found: string[] = [];
  const missing: string[] = [];
  for (const dir of dirs) {
    const abs = resolve(baseDir, dir);
    if (!existsSync(abs)) {
      missing.push(dir);
      continue;
    }
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) found.push(join(abs, entry.name));
    }
  }
  return { found, missing };
}
