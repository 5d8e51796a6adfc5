import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { openAdapter, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const writer = resolve(here, 'fixtures/crash-writer.ts');

/** Runs the writer, SIGKILLs it once `killAfter` acknowledgements arrived, returns every complete line it printed. */
function writeUntilKilled(path: string, killAfter: number, batch: number): Promise<{ acked: string[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rvoip-source', writer, path, 'full', String(batch)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    const acked: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line !== 'ready') acked.push(line);
      if (acked.length >= killAfter && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    // 'close' waits for stdout to drain: lines printed just before the kill still count.
    child.on('close', (_code, signal) => done({ acked, signal, stderr }));
  });
}

describe('storage-sqlite: nothing acknowledged is lost (kill -9)', function () {
  this.timeout(60_000);
  const dir = tempDir();
  after(() => dir.remove());

  for (const batch of [1, 16]) {
    it(`every binding whose put() resolved before SIGKILL is there after reopening (${batch} put${batch > 1 ? 's' : ''} in flight)`, async () => {
      const path = dir.file(`crash-${batch}/rvoip.db`);
      const { acked, signal, stderr } = await writeUntilKilled(path, 300, batch);
      expect(signal, `writer was not killed; stderr: ${stderr}`).to.equal('SIGKILL');
      expect(acked.length).to.be.at.least(300);
      // The kill left the WAL un-checkpointed: reopening has to recover from it.
      expect(existsSync(`${path}-wal`)).to.equal(true);

      const db = await openAdapter({ path });
      const stored = new Set((await db.bindings.all()).map((b) => b.aor));
      const missing = acked.filter((aor) => !stored.has(aor));
      expect(missing, `${missing.length} acknowledged bindings lost`).to.deep.equal([]);
      // At most the batch in flight at the kill may have committed without being printed.
      expect(stored.size - acked.length).to.be.within(0, batch);
      await db.close();
    });
  }
});
