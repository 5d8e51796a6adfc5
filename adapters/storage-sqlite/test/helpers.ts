import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CdrRecord, ContactBinding } from '@rvoip/sdk';
import { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import type { SqliteStorageSettings } from '@rvoip/storage-sqlite';

/** A fresh directory per test file, removed in `after`. */
export function tempDir(): { readonly path: string; file(name: string): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'rvoip-sqlite-'));
  return { path, file: (name) => join(path, name), remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A settable clock so expiry is tested without waiting. */
export function fakeClock(start = Date.UTC(2026, 0, 1)): { now: number; readonly fn: () => number; advance(ms: number): void } {
  const clock = {
    now: start,
    fn: () => clock.now,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return clock;
}

export async function openAdapter(settings: SqliteStorageSettings): Promise<SqliteStorageAdapter> {
  const adapter = new SqliteStorageAdapter(settings);
  await adapter.open();
  return adapter;
}

export function binding(aor: string, contact: string, expiresAt: Date, more: Partial<ContactBinding> = {}): ContactBinding {
  return {
    aor,
    contact,
    expiresAt,
    callId: `call-${contact}`,
    cseq: 1,
    source: { transport: 'udp', address: '127.0.0.1', port: 5062 },
    ...more,
  };
}

export function cdr(id: string, startedAt: Date, more: Partial<CdrRecord> = {}): CdrRecord {
  return {
    id,
    sessionId: `s-${id}`,
    callId: `c-${id}`,
    direction: 'inbound',
    from: 'sip:alice@example.com',
    to: 'sip:bob@example.com',
    startedAt,
    answeredAt: new Date(startedAt.getTime() + 2000),
    endedAt: new Date(startedAt.getTime() + 62_000),
    durationMs: 62_000,
    billableMs: 60_000,
    endReason: 'normal',
    ...more,
  };
}

/** Awaits a rejection and returns it, failing when the promise resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
