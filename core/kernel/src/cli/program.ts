import { Command } from 'commander';
import { isRvoipError, silentLogger } from '@rvoip/contracts';
import { configSchema } from '../config/schema.js';
import { ConfigInvalidError, formatIssues } from '../errors.js';
import { Kernel } from '../kernel.js';
import type { KernelOptions } from '../kernel.js';
import { KERNEL_VERSION } from '../version.js';
import { pluginTable } from './output.js';
import { SignalLatch } from './signals.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 invalid config or plugins. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 2;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** One line of reason first (what scripts and people read), details after. */
export function reportError(io: Io, err: unknown): number {
  if (err instanceof ConfigInvalidError) {
    io.err(`rvoip: config invalid (${err.issues.length} error${err.issues.length === 1 ? '' : 's'}) in ${String(err.details.where)}\n${formatIssues(err.issues)}\n`);
    return EXIT_CONFIG;
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = isRvoipError(err) ? ` [${err.code}]` : '';
  io.err(`rvoip: ${message.split('\n')[0]}${code}\n`);
  return isRvoipError(err) && /CONFIG|PLUGIN_INVALID/.test(err.code) ? EXIT_CONFIG : EXIT_FAILURE;
}

function kernelOptions(opts: { config?: string }): KernelOptions {
  return { ...(opts.config && { configPath: opts.config }), logger: silentLogger };
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('rvoip')
    .description('rvoip: SIP/RTP voice applications from a config file')
    .version(KERNEL_VERSION)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  const run = (fn: () => Promise<number>) => async (): Promise<void> => {
    try {
      setExit(await fn());
    } catch (err) {
      setExit(reportError(io, err));
    }
  };

  program
    .command('start')
    .description('load config and plugins, start every service, run until SIGINT/SIGTERM')
    .option('-c, --config <path>', 'config file (default: search the current directory)')
    .action(async (opts: { config?: string }) => {
      await run(async () => {
        const latch = new SignalLatch();
        try {
          const kernel = await Kernel.create({ ...(opts.config && { configPath: opts.config }) });
          if (!latch.signalled) {
            try {
              const result = await kernel.start();
              for (const p of result.plugins.filter((r) => r.status === 'failed' || r.status === 'skipped')) {
                io.err(`rvoip: plugin "${p.id}" ${p.status} (policy continue): ${p.error ?? ''}\n`);
              }
            } catch (err) {
              kernel.logger.error({ err }, 'start failed');
              await kernel.stop();
              throw err;
            }
            const signal = await latch.wait();
            kernel.logger.info({ signal }, 'stopping');
          }
          await kernel.stop();
          return EXIT_OK;
        } finally {
          latch.dispose();
        }
      })();
    });

  const config = program.command('config').description('check or print the resolved configuration');
  config
    .command('check')
    .description('validate the config and every plugin and its options; exit 2 listing every error')
    .option('-c, --config <path>', 'config file')
    .action(async (opts: { config?: string }) => {
      await run(async () => {
        const kernel = await Kernel.create(kernelOptions(opts));
        const plugins = kernel.config.plugins.length;
        io.out(`config ok: ${kernel.config.configFile ?? '(defaults)'} (${plugins} plugin entr${plugins === 1 ? 'y' : 'ies'})\n`);
        return EXIT_OK;
      })();
    });
  config
    .command('print')
    .description('print the resolved config (defaults, env overrides applied; secrets redacted) as JSON')
    .option('-c, --config <path>', 'config file')
    .action(async (opts: { config?: string }) => {
      await run(async () => {
        const kernel = await Kernel.create(kernelOptions(opts));
        io.out(`${JSON.stringify(kernel.redactedConfig(), null, 2)}\n`);
        return EXIT_OK;
      })();
    });
  config
    .command('schema')
    .description("print the config JSON Schema; with --config, plugins' option schemas are attached to their entries")
    .option('-c, --config <path>', 'config whose plugins contribute their option schemas')
    .action(async (opts: { config?: string }) => {
      await run(async () => {
        const schema = opts.config ? (await Kernel.create(kernelOptions(opts))).schema() : configSchema;
        io.out(`${JSON.stringify(schema, null, 2)}\n`);
        return EXIT_OK;
      })();
    });

  program
    .command('plugins')
    .description('inspect plugins')
    .command('list')
    .description('load (without starting) every plugin and list id, version, source, contributions, status')
    .option('-c, --config <path>', 'config file')
    .option('--json', 'machine-readable output')
    .action(async (opts: { config?: string; json?: boolean }) => {
      await run(async () => {
        const kernel = await Kernel.create({ ...kernelOptions(opts), onPluginBootFailure: 'continue' });
        const reports = await kernel.load();
        io.out(opts.json ? `${JSON.stringify(reports, null, 2)}\n` : `${pluginTable(reports)}\n`);
        const failed = reports.filter((r) => r.status === 'failed');
        if (failed.length === 0) return EXIT_OK;
        io.err(`rvoip: ${failed.length} plugin${failed.length === 1 ? '' : 's'} failed to load: ${failed.map((r) => r.id).join(', ')}\n`);
        return EXIT_FAILURE;
      })();
    });

  return program;
}
