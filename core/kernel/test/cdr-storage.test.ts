import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerModule } from 'inversify';
import { CallEventSink, StorageAdapter } from '@rvoip/contracts';
import type { CdrRecord } from '@rvoip/contracts';
import { Kernel, MemoryStorageAdapter } from '@rvoip/kernel';
import { MEMORY_CDR_LIMIT } from '../src/storage/memory.js';
import { memoryLogger } from './helpers/logger.js';

function cdr(id: string, at = new Date()): CdrRecord {
  return {
    id, sessionId: `s-${id}`, callId: `c-${id}`, direction: 'inbound', from: 'sip:a@x', to: 'sip:b@x',
    startedAt: at, endedAt: at, durationMs: 0, billableMs: 0, endReason: 'normal',
  };
}

/** Memory storage that, like a real database, refuses writes once closed. */
class ClosingStorage extends MemoryStorageAdapter {
  closed = false;
  constructor() {
    super();
    const append = this.cdrs.append.bind(this.cdrs);
    Object.assign(this.cdrs, {
      append: (r: CdrRecord) => (this.closed ? Promise.reject(new Error('storage closed')) : append(r)),
    });
  }
  override async close(): Promise<void> {
    this.closed = true;
  }
}

describe('kernel: CDRs of ended calls go to storage', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'rvoip-cdr-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a call-ended event published just before stop is stored before storage closes', async () => {
    const configPath = join(dir, 'rvoip.config.json');
    writeFileSync(configPath, JSON.stringify({ storage: { adapter: 'memory' } }));
    const storage = new ClosingStorage();
    const app = new ContainerModule(({ rebind }) => void rebind<StorageAdapter>(StorageAdapter).toConstantValue(storage));
    const kernel = await Kernel.create({ coreModules: [], configPath, env: {}, logger: memoryLogger(), modules: [app] });
    await kernel.start();
    const record = cdr('shutdown-call');
    kernel.get<CallEventSink>(CallEventSink).publish({ type: 'call-ended', sessionId: record.sessionId, at: record.endedAt, cdr: record });
    await kernel.stop();
    expect(storage.closed).to.equal(true);
    expect(await storage.cdrs.get('shutdown-call')).to.deep.equal(record);
  });

  it('memory storage keeps only the most recent CDRs', async () => {
    const storage = new MemoryStorageAdapter();
    for (let i = 0; i <= MEMORY_CDR_LIMIT; i++) await storage.cdrs.append(cdr(String(i), new Date(1_000_000 + i)));
    expect(await storage.cdrs.get('0')).to.equal(undefined);
    expect((await storage.cdrs.get(String(MEMORY_CDR_LIMIT)))?.id).to.equal(String(MEMORY_CDR_LIMIT));
    expect(await storage.cdrs.query()).to.have.length(MEMORY_CDR_LIMIT);
  });
});
