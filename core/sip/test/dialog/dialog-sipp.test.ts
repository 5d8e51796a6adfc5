/**
 * DialogLayer as the UAS of SIPp's built-in `uac` scenario (INVITE, 180, 200, ACK, BYE)
 * over UDP on loopback: SIPp's ACK stops our 2xx retransmissions, its BYE finds the
 * dialog by id and ends it, and the table is empty once the calls are over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import type { ReceivedInfo } from '../../src/transport/types.js';
import type { SipMessage } from '../../src/message/message.js';
import { SipResponse } from '../../src/message/message.js';
import { createResponse } from '../../src/transaction/response.js';
import { generateTag } from '../../src/transaction/ids.js';
import { DialogLayer } from '../../src/dialog/dialog-layer.js';
import type { InDialogVerdict } from '../../src/dialog/dialog-layer.js';

function requireSipp(): void {
  if (spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error !== undefined) {
    throw new Error('sipp is not on PATH: install the Debian package "sip-tester" to run the SIPp dialog tests');
  }
}

describe('DialogLayer with SIPp as caller', function () {
  this.timeout(30_000);
  let transport: TransportLayer | undefined;

  afterEach(async () => {
    await transport?.close();
  });

  it('answers three calls and ends each on SIPp\'s BYE, leaving no dialog behind', async () => {
    requireSipp();
    const t = new TransportLayer();
    transport = t;
    const [point] = await t.listen(['udp://127.0.0.1:0']);
    const layer = new DialogLayer({ wire: t, timers: { T1: 100, T2: 400 } });
    const contact = `<sip:uas@${t.localHostPort('udp')}>`;
    const verdicts: InDialogVerdict['kind'][] = [];
    const ackTimeouts: string[] = [];
    layer.on('ackTimeout', (d) => ackTimeouts.push(d.id));
    const tags = new Map<string, string>();
    let created = 0;
    layer.on('created', () => created++);

    t.onMessage(async (msg: SipMessage, source: ReceivedInfo) => {
      if (msg instanceof SipResponse) return;
      const verdict = layer.receiveRequest(msg);
      verdicts.push(verdict.kind);
      if (verdict.kind === 'reject') {
        await t.sendResponse(verdict.response, source);
        return;
      }
      if (msg.method === 'INVITE' && verdict.kind === 'out-of-dialog') {
        // No transaction layer here: a retransmitted INVITE must get the same tag.
        const toTag = tags.get(msg.callId) ?? generateTag();
        tags.set(msg.callId, toTag);
        for (const status of [180, 200]) {
          const res = createResponse(msg, status, undefined, { toTag });
          res.appendHeader('Contact', contact);
          layer.responseSent(msg, res, { source });
          await t.sendResponse(res, source);
        }
      } else if (msg.method === 'BYE') {
        await t.sendResponse(createResponse(msg, 200), source);
      }
    });

    const sipp = spawn(
      'sipp',
      ['-sn', 'uac', '-m', '3', '-r', '10', '-i', '127.0.0.1', '-p', '0', '-nostdin', '-timeout', '20s', `127.0.0.1:${point!.port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    sipp.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => sipp.once('exit', resolve));

    expect(code, stderr).to.equal(0);
    expect(created).to.equal(3);
    expect(verdicts.filter((v) => v === 'out-of-dialog')).to.have.length.at.least(3);
    expect(verdicts.filter((v) => v === 'reject')).to.deep.equal([]);
    expect(ackTimeouts).to.deep.equal([]);
    expect(layer.stats()).to.deep.equal({ dialogs: 0, forkedInvites: 0, pending2xx: 0, cachedAcks: 0 });
    layer.close();
  });
});
