import { expect } from 'chai';
import {
  P_ALGORITHM,
  P_CNONCE,
  P_NC,
  P_NONCE,
  P_OPAQUE,
  P_QOP,
  P_REALM,
  P_RESPONSE,
  P_URI,
  P_USERHASH,
  P_USERNAME,
  SCAN_DIGEST,
  SCAN_INVALID,
  SCAN_OTHER_SCHEME,
  foldedValueEquals,
  isHexValue,
  scanCredentials,
  value,
  valueEquals,
  valueLength,
} from '../../src/auth/credentials-scan.js';
import { parseAuthHeader } from '../../src/message/auth-header.js';

const IDS: ReadonlyArray<readonly [number, string]> = [
  [P_USERNAME, 'username'],
  [P_REALM, 'realm'],
  [P_NONCE, 'nonce'],
  [P_URI, 'uri'],
  [P_RESPONSE, 'response'],
  [P_ALGORITHM, 'algorithm'],
  [P_QOP, 'qop'],
  [P_NC, 'nc'],
  [P_CNONCE, 'cnonce'],
  [P_OPAQUE, 'opaque'],
  [P_USERHASH, 'userhash'],
];

/** What the generic parser makes of a value, in the scanner's terms. */
function viaParser(s: string): { kind: number; params: Record<string, string | undefined> } {
  try {
    const h = parseAuthHeader(s);
    const params: Record<string, string | undefined> = {};
    for (const [, name] of IDS) params[name] = h.isDigest ? h.param(name) : undefined;
    return { kind: h.isDigest ? SCAN_DIGEST : SCAN_OTHER_SCHEME, params };
  } catch {
    return { kind: SCAN_INVALID, params: {} };
  }
}

function viaScanner(s: string): { kind: number; params: Record<string, string | undefined> } {
  const kind = scanCredentials(s);
  const params: Record<string, string | undefined> = {};
  if (kind === SCAN_INVALID) return { kind, params };
  for (const [id, name] of IDS) {
    params[name] = kind === SCAN_DIGEST ? value(id) : undefined;
    if (params[name] !== undefined) {
      expect(valueEquals(id, params[name]!), `${name} of ${JSON.stringify(s)}`).to.equal(true);
      expect(valueLength(id)).to.equal(params[name]!.length);
    }
  }
  return { kind, params };
}

/** Deterministic so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const SCHEMES = ['Digest', 'digest', 'DIGEST', 'DiGeSt', 'Basic', 'NoOneKnows', 'Digest2', '', '"Digest"'];
const NAMES = [
  'username', 'USERNAME', 'realm', 'Realm', 'nonce', 'uri', 'URI', 'response', 'algorithm', 'qop', 'QoP', 'nc', 'NC',
  'cnonce', 'opaque', 'userhash', 'stale', 'x-extra', 'usernam',
  'nonces', 'n\u00e7', 'qo\rp', 'u\u0130sername', '',
];
const VALUES = [
  '"alice"', '""', '"a\\"b"', '"a\\\\"', 'MD5', 'auth', '00000001', 'sip:example.com', '"sip:example.com"',
  '"caf\u00e9"', '"\u0122"', '"x,y"', '"example.com"', '"exa\\mple.com"',
  '"0123abcdEF"', 'true', '"TRUE"', 'auth-int', '[::1]', '"\\', '"unterminated', '"tr\\ailing\\"', '\u0122',
  'a=b', '', '"x" y', 'to\u00e9',
];
const GLUE = [', ', ',', ' , ', '\t,\t', ' ', ';', ',,', ', ,'];
const PAD = ['', ' ', '\t', '  '];

/** Mostly well-formed (the first few entries of each list), with a malformed part now and then. */
function generated(r: () => number): string {
  const pick = <T>(xs: readonly T[], good: number): T => xs[Math.floor(r() * (r() < 0.9 ? good : xs.length))]!;
  let s = pick(PAD, 2) + pick(SCHEMES, 4);
  const n = Math.floor(r() * 8);
  for (let k = 0; k < n; k++) {
    s += k === 0 ? pick([' ', '  ', '\t', '', ','], 3) : pick(GLUE, 4);
    s += pick(NAMES, 19) + pick(['=', ' = ', '=\t', '', ' '], 3) + pick(VALUES, 14);
  }
  return s + pick(PAD, 4) + (r() < 0.05 ? pick([',', ', ', '\\'], 3) : '');
}

describe('credentials scanner', () => {
  it('accepts, refuses and reads exactly what parseAuthHeader + first-param lookup do', () => {
    const r = rng(20261122);
    for (let i = 0; i < 20_000; i++) {
      const s = generated(r);
      expect(viaScanner(s), JSON.stringify(s)).to.deep.equal(viaParser(s));
    }
  });

  it('agrees on hand-picked malformed and edge values', () => {
    for (const s of [
      'Digest username="x',
      'Digest username',
      'Digest username=',
      'Digest username="a" realm="b"',
      'Digest,username="a"',
      'Digest  username="a",',
      'Digest username="a",, realm="b"',
      'Digest username="a\\"',
      'Digest username="a\\\\", realm="r"',
      'Digest realm="first", realm="second", REALM="third"',
      'Digest nonce="n1", Nonce="n2", response="r", RESPONSE="s"',
      'Digest realm=ex\u00e7mple',
      'Digest realm="\u0122\u4e2d"',
      'Digest realm="\ud800x\udfff", username="\ud83d\ude00"',
      'Digest realm=\ud800',
      '   Digest   realm = "r" ,  nc = 00000001   ',
      'Digest',
      'Digest   ',
      '',
      '   ',
      'NoOneKnowsThisScheme opaque-data=here',
      'Basic dXNlcjpwYXNz',
    ]) {
      expect(viaScanner(s), JSON.stringify(s)).to.deep.equal(viaParser(s));
    }
  });

  it('reads hex values in place, and through unquote when escaped', () => {
    expect(scanCredentials('Digest response="0aF9", nc=0000000A')).to.equal(SCAN_DIGEST);
    expect(isHexValue(P_RESPONSE, 1)).to.equal(true);
    expect(isHexValue(P_NC, 8)).to.equal(true);
    expect(isHexValue(P_CNONCE, 1)).to.equal(false);
    scanCredentials('Digest response="", nc="0000000\\1", cnonce="0g"');
    expect(isHexValue(P_RESPONSE, 1)).to.equal(false);
    expect(isHexValue(P_NC, 8)).to.equal(true);
    expect(valueLength(P_NC)).to.equal(8);
    expect(isHexValue(P_CNONCE, 1)).to.equal(false);
  });

  it('folds case in place exactly as toLowerCase does for auth, auth-int and true', () => {
    const values = ['auth', 'AUTH', 'Auth', 'auth-int', 'AUTH-INT', 'auth\u212a', '\uff41uth', 'a\u0130uth', 'aut', 'authx', '', 'true', 'TRUE', 'tRuE', 'tru\u0117'];
    for (const v of values) {
      for (const quoted of [`"${v}"`, `"${v.slice(0, 1)}\\${v.slice(1)}"`, v]) {
        if (scanCredentials(`Digest qop=${quoted}, userhash=${quoted}`) !== SCAN_DIGEST) continue;
        for (const lower of ['auth', 'auth-int', 'true']) {
          expect(foldedValueEquals(P_QOP, lower), `${quoted} ~ ${lower}`).to.equal(value(P_QOP)!.toLowerCase() === lower);
          expect(foldedValueEquals(P_USERHASH, lower)).to.equal(value(P_USERHASH)!.toLowerCase() === lower);
        }
      }
    }
    scanCredentials('Digest realm="r"');
    expect(foldedValueEquals(P_QOP, 'auth')).to.equal(false);
  });

  it('handles values longer than its scratch space', () => {
    const long = 'x'.repeat(5000);
    const s = `Digest username="${long}", realm="r", cnonce=${long}`;
    expect(scanCredentials(s)).to.equal(SCAN_DIGEST);
    expect(value(P_USERNAME)).to.equal(long);
    expect(value(P_CNONCE)).to.equal(long);
    expect(viaScanner(s)).to.deep.equal(viaParser(s));
  });
});
