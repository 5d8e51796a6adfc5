import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RvoipError } from '@rvoip/contracts';

/**
 * Minimal binding to the libopus WebAssembly build shipped in `@evan/opus` (its `wasm/`
 * folder: raw opus_encode/opus_decode exports, no JS glue, no network). We bind the wasm
 * ourselves rather than use the package's JS entry because that entry prefers a native
 * addon (not allowed here) and always decodes with frame_size 5760, which makes packet
 * loss concealment produce 120 ms at a time; PLC needs the exact frame length.
 */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, () => number>>) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}
// The project compiles with lib es2023 only (no DOM), which lacks WebAssembly's types.
const Wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

interface OpusExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  opus_strerror(code: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, fs: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, fs: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, decodeFec: number): number;
}

export const OPUS_APPLICATION_VOIP = 2048;
export const OPUS_SET_BITRATE = 4002;
export const OPUS_SET_COMPLEXITY = 4010;
export const OPUS_SET_INBAND_FEC = 4012;
export const OPUS_SET_PACKET_LOSS_PERC = 4014;
const MAX_PACKET = 4000;
const MAX_FRAME = 5760; // 120 ms at 48 kHz, the longest Opus frame

let cached: OpusExports | undefined;

/** Frees the wasm allocations of encoders/decoders that were dropped without close(). */
const leaks = new FinalizationRegistry<number[]>((ptrs) => {
  for (const p of ptrs) cached?.free(p);
});

function simdSupported(): boolean {
  // Smallest module using a v128 instruction; the same probe the package uses.
  return Wasm.validate(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11));
}

function loadOpus(): OpusExports {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@evan/opus/package.json'));
  const file = join(root, 'wasm', simdSupported() ? 'simd.wasm' : 'opus.wasm');
  const module = new Wasm.Module(readFileSync(file));
  const noop = (): number => 0;
  const instance = new Wasm.Instance(module, {
    wasi_snapshot_preview1: { fd_seek: noop, fd_write: noop, fd_close: noop, proc_exit: noop },
    env: { emscripten_notify_memory_growth: noop },
  });
  cached = instance.exports as unknown as OpusExports;
  return cached;
}

function check(lib: OpusExports, code: number, what: string): number {
  if (code >= 0) return code;
  const bytes = new Uint8Array(lib.memory.buffer);
  let msg = '';
  for (let p = lib.opus_strerror(code); bytes[p] !== 0 && msg.length < 200; p++) msg += String.fromCharCode(bytes[p]);
  throw new RvoipError('RVOIP_ERR_MEDIA_OPUS', `libopus ${what} failed: ${msg} (${code})`, { code });
}

/** One libopus encoder state in wasm memory, with its own PCM and packet scratch buffers. */
export class OpusWasmEncoder {
  private readonly lib = loadOpus();
  private state: number;
  private readonly pcmPtr: number;
  private readonly outPtr: number;

  constructor(sampleRate: number, readonly channels: number, application = OPUS_APPLICATION_VOIP) {
    const lib = this.lib;
    this.state = lib.malloc(lib.opus_encoder_get_size(channels));
    this.pcmPtr = lib.malloc(MAX_FRAME * channels * 2);
    this.outPtr = lib.malloc(MAX_PACKET);
    leaks.register(this, [this.state, this.pcmPtr, this.outPtr], this);
    const rc = lib.opus_encoder_init(this.state, sampleRate, channels, application);
    if (rc < 0) this.close();
    check(lib, rc, 'opus_encoder_init');
  }

  ctl(request: number, value: number): void {
    check(this.lib, this.lib.opus_encoder_ctl_set(this.state, request, value), `encoder ctl ${request}`);
  }

  encode(pcm: Int16Array): Buffer {
    const lib = this.lib;
    const frame = pcm.length / this.channels;
    if (!Number.isInteger(frame) || frame > MAX_FRAME) {
      throw new RvoipError('RVOIP_ERR_MEDIA_OPUS_FRAME', `Opus frame of ${pcm.length} samples is not a valid frame for ${this.channels} channel(s)`);
    }
    new Int16Array(lib.memory.buffer, this.pcmPtr, pcm.length).set(pcm);
    const len = check(lib, lib.opus_encode(this.state, this.pcmPtr, frame, this.outPtr, MAX_PACKET), 'opus_encode');
    return Buffer.from(new Uint8Array(lib.memory.buffer, this.outPtr, len));
  }

  close(): void {
    if (this.state === 0) return;
    leaks.unregister(this);
    this.lib.free(this.state);
    this.lib.free(this.pcmPtr);
    this.lib.free(this.outPtr);
    this.state = 0;
  }
}

/** One libopus decoder state; `decode(null, n)` runs libopus PLC for exactly n samples. */
export class OpusWasmDecoder {
  private readonly lib = loadOpus();
  private state: number;
  private readonly pcmPtr: number;
  private readonly inPtr: number;

  constructor(sampleRate: number, readonly channels: number) {
    const lib = this.lib;
    this.state = lib.malloc(lib.opus_decoder_get_size(channels));
    this.pcmPtr = lib.malloc(MAX_FRAME * channels * 2);
    this.inPtr = lib.malloc(MAX_PACKET);
    leaks.register(this, [this.state, this.pcmPtr, this.inPtr], this);
    const rc = lib.opus_decoder_init(this.state, sampleRate, channels);
    if (rc < 0) this.close();
    check(lib, rc, 'opus_decoder_init');
  }

  /** Decodes a packet (or conceals when `packet` is null); `frameSize` is per channel. */
  decode(packet: Uint8Array | null, frameSize = MAX_FRAME, fec = false): Int16Array {
    const lib = this.lib;
    let len = 0;
    if (packet) {
      if (packet.length > MAX_PACKET) {
        throw new RvoipError('RVOIP_ERR_MEDIA_OPUS_PACKET', `Opus packet of ${packet.length} bytes exceeds ${MAX_PACKET}`);
      }
      new Uint8Array(lib.memory.buffer, this.inPtr, packet.length).set(packet);
      len = packet.length;
    }
    const n = check(lib, lib.opus_decode(this.state, packet ? this.inPtr : 0, len, this.pcmPtr, frameSize, fec ? 1 : 0), 'opus_decode');
    return new Int16Array(lib.memory.buffer, this.pcmPtr, n * this.channels).slice();
  }

  close(): void {
    if (this.state === 0) return;
    leaks.unregister(this);
    this.lib.free(this.state);
    this.lib.free(this.pcmPtr);
    this.lib.free(this.inPtr);
    this.state = 0;
  }
}
