// The kernel imports this file (package.json "rvoip.plugin"). It re-exports the package through
// its own name, so Node applies the active export conditions: the TypeScript sources under
// --conditions=rvoip-source (tests, CLI in the repo), ./dist/index.js everywhere else.
export { default } from '@rvoip/storage-sqlite';
