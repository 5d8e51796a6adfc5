import type { DtmfDigit, MediaStats } from '@rvoip/contracts';
import type { MediaDirection, MediaDtmfEvent, MediaLeg, MediaLegFactory, MediaRecording, PcmFrame } from '../../src/ports.js';

let nextPort = 40000;

/** A media leg that only speaks SDP: enough to drive signalling tests without RTP. */
export class FakeLeg implements MediaLeg {
  readonly port = (nextPort += 2);
  direction: MediaDirection = 'sendrecv';
  remote: string[] = [];
  offers: MediaDirection[] = [];
  sentDigits: string[] = [];
  muted = false;
  closed = false;
  codec: string | undefined;
  readonly sampleRate = 8000;
  private readonly dtmf: Array<(e: MediaDtmfEvent) => void> = [];
  private version = 0;

  private sdp(direction: MediaDirection): string {
    this.version += 1;
    return [
      'v=0', `o=fake 1 ${this.version} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${this.port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', `a=${direction}`, '',
    ].join('\r\n');
  }

  async createOffer(direction: MediaDirection = 'sendrecv'): Promise<string> {
    this.offers.push(direction);
    this.direction = direction;
    return this.sdp(direction);
  }
  async createAnswer(remoteSdp: string, direction: MediaDirection = 'sendrecv'): Promise<string> {
    this.remote.push(remoteSdp);
    this.codec = 'PCMU';
    this.direction = direction;
    return this.sdp(direction);
  }
  async setRemoteAnswer(sdp: string): Promise<void> {
    this.remote.push(sdp);
    this.codec = 'PCMU';
  }
  setDirection(direction: MediaDirection): void {
    this.direction = direction;
  }
  async *frames(): AsyncIterable<PcmFrame> {
    // No RTP in signalling tests.
  }
  sendFrame(_frame: PcmFrame): void {}
  async sendDtmf(digit: DtmfDigit, _durationMs: number): Promise<void> {
    this.sentDigits.push(digit);
  }
  onDtmf(listener: (event: MediaDtmfEvent) => void): void {
    this.dtmf.push(listener);
  }
  emitDtmf(digit: DtmfDigit): void {
    for (const l of this.dtmf) l({ digit, durationMs: 100 });
  }
  setMuted(muted: boolean): void {
    this.muted = muted;
  }
  async startRecording(path: string): Promise<MediaRecording> {
    return { path, stop: async () => undefined };
  }
  async playFile(): Promise<void> {}
  async playTone(): Promise<void> {}
  stats(): MediaStats {
    return { codec: 'PCMU', packetsSent: 0, packetsReceived: 0, packetsLost: 0, jitterMs: 0 };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeMedia implements MediaLegFactory {
  readonly legs: FakeLeg[] = [];
  async createLeg(): Promise<MediaLeg> {
    const leg = new FakeLeg();
    this.legs.push(leg);
    return leg;
  }
}
