#!/usr/bin/env node
// Published entry point of the `rvoip` command (compiled sources in dist/).
// In this repository, scripts/rvoip.mjs runs the TypeScript sources instead.
await import('../dist/cli/main.js');
