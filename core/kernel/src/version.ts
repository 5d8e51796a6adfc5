import { readFileSync } from 'node:fs';

/** The kernel's own version, the one plugin `rvoip` ranges are checked against. */
export const KERNEL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
