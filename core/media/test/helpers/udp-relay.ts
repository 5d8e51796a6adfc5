/**
 * A test-only UDP relay between two media endpoints that loses, reorders and duplicates
 * RTP on purpose (RTCP passes untouched so RTT can be measured). Deterministic: a seeded
 * PRNG decides each packet's fate, so a failing run replays the same way.
 *
 *   A --> sideA [relay] sideB --> B      (B's replies go back the same way)
 */
import dgram from 'node:dgram';
import { once } from 'node:events';

export interface RelayOptions {
  /** Probability 0..1 that an RTP packet is dropped. */
  loss?: number;
  /** Probability 0..1 that an RTP packet is held back and sent after the next one. */
  reorder?: number;
  /** Probability 0..1 that an RTP packet is sent twice. */
  duplicate?: number;
  seed?: number;
  /** Only disturb this direction: 'aToB', 'bToA' or both (default). */
  direction?: 'aToB' | 'bToA' | 'both';
}

interface Endpoint {
  address: string;
  port: number;
}

function isRtcp(buf: Buffer): boolean {
  return buf.length >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

export class UdpRelay {
  readonly sideA = dgram.createSocket('udp4');
  readonly sideB = dgram.createSocket('udp4');
  counts = { forwarded: 0, dropped: 0, reordered: 0, duplicated: 0 };
  /** RTP sequence numbers of the packets dropped on purpose. */
  readonly droppedSeqs: number[] = [];
  private a: Endpoint | undefined;
  private rand: () => number;
  private held: { buf: Buffer; out: dgram.Socket; to: Endpoint } | undefined;

  constructor(private readonly b: Endpoint, private readonly opts: RelayOptions = {}) {
    let state = (opts.seed ?? 12345) >>> 0;
    this.rand = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 0x100000000;
    };
    this.sideA.on('message', (msg, rinfo) => {
      this.a = { address: rinfo.address, port: rinfo.port };
      this.forward(msg, this.sideB, this.b, opts.direction !== 'bToA');
    });
    this.sideB.on('message', (msg) => {
      if (this.a) this.forward(msg, this.sideA, this.a, opts.direction !== 'aToB');
    });
  }

  async start(): Promise<{ portA: number; portB: number }> {
    this.sideA.bind(0, '127.0.0.1');
    this.sideB.bind(0, '127.0.0.1');
    await Promise.all([once(this.sideA, 'listening'), once(this.sideB, 'listening')]);
    return { portA: this.sideA.address().port, portB: this.sideB.address().port };
  }

  /** Where B should send to reach A (set B's remote to this). */
  setB(b: Endpoint): void {
    this.b.address = b.address;
    this.b.port = b.port;
  }

  private forward(msg: Buffer, out: dgram.Socket, to: Endpoint, disturb: boolean): void {
    if (!disturb || isRtcp(msg)) {
      out.send(msg, to.port, to.address);
      return;
    }
    if (this.rand() < (this.opts.loss ?? 0)) {
      this.counts.dropped++;
      if (msg.length >= 4) this.droppedSeqs.push(msg.readUInt16BE(2));
      return;
    }
    if (!this.held && this.rand() < (this.opts.reorder ?? 0)) {
      this.counts.reordered++;
      this.held = { buf: msg, out, to };
      return;
    }
    out.send(msg, to.port, to.address);
    this.counts.forwarded++;
    if (this.rand() < (this.opts.duplicate ?? 0)) {
      this.counts.duplicated++;
      out.send(msg, to.port, to.address);
    }
    if (this.held) {
      const h = this.held;
      this.held = undefined;
      h.out.send(h.buf, h.to.port, h.to.address);
      this.counts.forwarded++;
    }
  }

  close(): void {
    this.sideA.close();
    this.sideB.close();
  }
}
