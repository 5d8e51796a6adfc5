/**
 * ListenSpec.divert and TransportLayer.injectDatagram: two layers share one UDP port
 * (reusePort), as the kernel's main thread and a worker thread do. The "worker" layer
 * diverts every request but REGISTER to the "main" layer, which processes it as if its own
 * socket had received it and answers from the shared port.
 */
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { TransportLayer, isRequest } from '@rvoip/sip';
import type { DatagramSource, ListenSpec } from '@rvoip/sip';
import { Inbox, responseTo, waitFor } from './helpers.js';

function raw(method: string, port: number, n: number): string {
  return `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-div-${n};rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: div-${n}@test\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`;
}

describe('sip/transport: udp divert hook and datagram injection (two layers on one port)', function () {
  this.timeout(20_000);
  let main: TransportLayer;
  let worker: TransportLayer;
  let client: Socket;
  let clientPort: number;
  const diverted: DatagramSource[] = [];
  const got: string[] = [];
  const answeredFrom: number[] = [];

  before(async () => {
    main = new TransportLayer();
    const [point] = await main.listen([{ protocol: 'udp', host: '127.0.0.1', port: 0, reusePort: true }]);
    worker = new TransportLayer();
    const spec: ListenSpec = {
      protocol: 'udp', host: '127.0.0.1', port: point!.port, reusePort: true,
      divert: (datagram, source) => {
        if (datagram.subarray(0, 9).toString('latin1') === 'REGISTER ') return false;
        diverted.push(source);
        expect(main.injectDatagram(Buffer.from(datagram), source)).to.equal(true);
        return true;
      },
    };
    await worker.listen([spec]);
    client = createSocket('udp4');
    client.on('message', (m, rinfo) => {
      got.push(m.toString('latin1'));
      answeredFrom.push(rinfo.port);
    });
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    clientPort = client.address().port;
  });

  after(async () => {
    await Promise.all([main.close(), worker.close(), new Promise<void>((r) => client.close(() => r()))]);
  });

  it('a request the worker diverts is handled and answered by the main layer, from the shared port', async () => {
    const mainInbox = new Inbox(main);
    const workerInbox = new Inbox(worker);
    const port = main.listeningPoints()[0]!.port;
    // Several sends: wherever the kernel hashes this client, the OPTIONS ends up in the main layer.
    for (let n = 0; n < 3; n++) client.send(Buffer.from(raw('OPTIONS', clientPort, n)), port, '127.0.0.1');
    await mainInbox.next(3);
    expect(workerInbox.items.filter((r) => isRequest(r.msg) && r.msg.method === 'OPTIONS')).to.have.length(0);
    const { msg, source } = mainInbox.items[0]!;
    expect(source).to.include({ protocol: 'udp', remoteAddress: '127.0.0.1', remotePort: clientPort, localPort: port });
    if (!isRequest(msg)) throw new Error('expected a request');
    await main.sendResponse(responseTo(msg), source);
    await waitFor(() => got.length > 0, 'the answer to OPTIONS');
    expect(got[0]).to.match(/^SIP\/2\.0 200 OK/);
    expect(answeredFrom[0]).to.equal(port);
    for (const s of diverted) expect(s).to.include({ remotePort: clientPort, localPort: port });
  });

  it('a REGISTER stays in the layer whose socket received it', async () => {
    const mainInbox = new Inbox(main);
    const workerInbox = new Inbox(worker);
    const port = main.listeningPoints()[0]!.port;
    client.send(Buffer.from(raw('REGISTER', clientPort, 10)), port, '127.0.0.1');
    await waitFor(() => mainInbox.items.length + workerInbox.items.length > 0, 'the REGISTER');
    const all = [...mainInbox.items, ...workerInbox.items];
    expect(all).to.have.length(1);
    expect(isRequest(all[0]!.msg) && all[0]!.msg.method).to.equal('REGISTER');
  });

  it('injectDatagram refuses a port the layer does not listen on', () => {
    const source = { localAddress: '127.0.0.1', localPort: 1, remoteAddress: '127.0.0.1', remotePort: clientPort };
    expect(main.injectDatagram(Buffer.from(raw('OPTIONS', clientPort, 20)), source)).to.equal(false);
  });
});
