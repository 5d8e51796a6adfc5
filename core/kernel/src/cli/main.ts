#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram, EXIT_FAILURE } from './program.js';

// The `rvoip` executable: commander parses, program.ts does the work; we only own the exit code.
const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
};
let exitCode = 0;
try {
  await buildProgram(io, (code) => (exitCode = code)).parseAsync(process.argv);
} catch (err) {
  exitCode = err instanceof CommanderError ? err.exitCode : EXIT_FAILURE;
}
process.exit(exitCode);
