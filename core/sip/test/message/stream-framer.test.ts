import { expect } from 'chai';
import type { FramerEvent } from '@rvoip/sip';
import { StreamFramer } from '@rvoip/sip';

function message(callId: string, body = '', length: number | null = body.length): Buffer {
  const lines = [
    'OPTIONS sip:b@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKs',
    'From: <sip:a@example.com>;tag=1',
    'To: <sip:b@example.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
  ];
  if (length !== null) lines.push(`Content-Length: ${length}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body);
}

function kinds(events: FramerEvent[]): string[] {
  return events.map((e) => (e.type === 'message' ? `message:${e.message.callId}` : e.type));
}

describe('StreamFramer', () => {
  it('cuts back-to-back messages from one chunk by Content-Length', () => {
    const f = new StreamFramer();
    const events = f.push(Buffer.concat([message('one', 'body1'), message('two'), message('three', 'xyz')]));
    expect(kinds(events)).to.deep.equal(['message:one', 'message:two', 'message:three']);
    const first = events[0]!;
    expect(first.type === 'message' && first.message.body.toString()).to.equal('body1');
    expect(f.pending).to.equal(0);
  });

  it('reassembles a message delivered one byte at a time', () => {
    const f = new StreamFramer();
    const bytes = message('slow', 'hello world');
    const events: FramerEvent[] = [];
    for (const b of bytes) events.push(...f.push(Buffer.from([b])));
    expect(kinds(events)).to.deep.equal(['message:slow']);
  });

  it('waits while the body is incomplete', () => {
    const f = new StreamFramer();
    const bytes = message('wait', 'abcdef');
    expect(f.push(bytes.subarray(0, bytes.length - 3))).to.deep.equal([]);
    expect(kinds(f.push(bytes.subarray(bytes.length - 3)))).to.deep.equal(['message:wait']);
  });

  it('reports CRLFCRLF pings and CRLF pongs between messages (RFC 5626)', () => {
    const f = new StreamFramer();
    expect(kinds(f.push(Buffer.from('\r\n\r\n')))).to.deep.equal(['ping']);
    expect(kinds(f.push(Buffer.concat([Buffer.from('\r\n'), message('after-pong')])))).to.deep.equal(['pong', 'message:after-pong']);
    expect(kinds(f.push(Buffer.from('\r\n\r\n\r\n\r\n')))).to.deep.equal(['ping', 'ping']);
  });

  it('upgrades a CRLF split across reads to a ping', () => {
    const f = new StreamFramer();
    expect(kinds(f.push(Buffer.from('\r\n')))).to.deep.equal(['pong']);
    expect(kinds(f.push(Buffer.from('\r\n')))).to.deep.equal(['ping']);
  });

  it('closes (fatal) on a missing, negative or disagreeing Content-Length', () => {
    for (const bad of [
      message('none', '', null),
      message('negative', '', -5),
      Buffer.concat([message('dup', 'abc').subarray(0, -5), Buffer.from('Content-Length: 4\r\n\r\nabcd')]),
    ]) {
      const f = new StreamFramer();
      const events = f.push(bad);
      expect(kinds(events)).to.deep.equal(['fatal']);
      expect(f.closed).to.equal(true);
      expect(kinds(f.push(message('later')))).to.deep.equal(['fatal']);
    }
  });

  it('enforces the maximum message size on the header section and on the total', () => {
    const small = new StreamFramer({ maxSize: 300 });
    const events = small.push(message('big', 'x'.repeat(400)));
    expect(events[0]!.type).to.equal('fatal');
    expect(events[0]!.type === 'fatal' && events[0]!.error.status).to.equal(413);
    const endless = new StreamFramer({ maxSize: 300 });
    const ev = endless.push(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\nX: ' + 'y'.repeat(400)));
    expect(ev.map((e) => e.type)).to.deep.equal(['fatal']);
  });

  it('reports a framed but unparseable message as invalid and keeps the connection', () => {
    const f = new StreamFramer();
    const bad = Buffer.from('OPTIONS sip:b@h SIP/9.0\r\nContent-Length: 0\r\n\r\n');
    const events = f.push(Buffer.concat([bad, message('next')]));
    expect(kinds(events)).to.deep.equal(['invalid', 'message:next']);
    expect(events[0]!.type === 'invalid' && events[0]!.error.status).to.equal(505);
  });
});
