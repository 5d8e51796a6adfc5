/**
 * The rvoip registrar as a standalone process for benchmarks: SipStack on UDP, digest
 * over `--users` users (`u<i>` / `pw<i>`), in-memory storage (or SQLite with --sqlite
 * <file>). Prints one JSON line `{"port":N}` once listening; SIGTERM closes it.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { StorageAdapter } from '@rvoip/contracts';
import { MemoryStorageAdapter } from '@rvoip/kernel';
import { DigestServer, SipStack } from '@rvoip/sip';
import { DefaultRegistryService, UserDirectory, attachRegistrar } from '@rvoip/session';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' }, domain: { type: 'string', default: 'bench.rvoip' },
    users: { type: 'string', default: '10000' }, sqlite: { type: 'string' },
  },
});
const domain = values.domain;
let storage: StorageAdapter = new MemoryStorageAdapter();
if (values.sqlite !== undefined) {
  const { SqliteStorageAdapter } = await import('@rvoip/storage-sqlite');
  storage = new SqliteStorageAdapter({ path: values.sqlite });
}
await storage.open();
const users = Array.from({ length: Number(values.users) }, (_, i) => ({ username: `u${i}`, password: `pw${i}` }));
const directory = new UserDirectory(users, domain, storage.users);
const registry = new DefaultRegistryService(storage.bindings);
const stack = await SipStack.create({ listen: [`udp://127.0.0.1:${values.port}`], domain, maxInboundQueue: 100_000 });
attachRegistrar(stack, {
  registry,
  domains: [domain],
  users: directory,
  auth: new DigestServer({ realm: domain, secret: randomBytes(32), lookup: (u) => directory.secret(u), maxTrackedNonces: 200_000 }),
});
registry.start();
process.stdout.write(JSON.stringify({ port: stack.listeningPoints()[0]!.port }) + '\n');
process.once('SIGTERM', () => {
  void (async () => {
    await registry.stop();
    await stack.close();
    await storage.close();
    process.exit(0);
  })();
});
