import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { CallController, CallEventAdapter, SessionManager } from '@rvoip/contracts';
import { SipStack, SipStackHost, buildRequest, sipModule } from '@rvoip/sip';
import { sessionModule } from '@rvoip/session';
import { CallEventDispatcher, HttpService, KERNEL_VERSION, Kernel, platformModule } from '@rvoip/kernel';
import { memoryLogger } from '../helpers/logger.js';
import type { LogRecord } from '../helpers/logger.js';
import { tempApp } from '../helpers/temp-app.js';
import type { TempApp } from '../helpers/temp-app.js';
import { baseUrl, metricType, reach, request, sample } from './helpers.js';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('kernel http: /health, /metrics and /api/v1 of a running node', function () {
  this.timeout(60_000);
  let app: TempApp;
  let alice: Kernel;
  let bob: Kernel;
  let base: string;
  let client: SipStack;
  const records: LogRecord[] = [];

  const sipPort = (k: Kernel): number => k.get<SipStackHost>(SipStackHost).stack.listeningPoints()[0]!.port;

  before(async () => {
    app = await tempApp();
    // Alice: every default core module (registrar, pbx, http), as `rvoip start` runs it.
    alice = await Kernel.create({
      configPath: app.writeConfig('http-alice', 'rvoip.config.json', {
        sip: { listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' },
        registrar: { auth: false },
        storage: { adapter: 'memory' },
        http: { listen: '127.0.0.1:0' },
      }),
      env: {},
      logger: memoryLogger(records),
      // An app-bound CallEventAdapter, so the delivery counters have an adapter to count.
      modules: [new ContainerModule(({ bind }) => {
        bind<CallEventAdapter>(CallEventAdapter).toConstantValue({ name: 'test-recorder', onStateChange: () => undefined });
      })],
    });
    // Bob: a plain answering node (accept-all signalling, no PBX), the far end of Alice's calls.
    bob = await Kernel.create({
      configPath: app.writeConfig('http-bob', 'rvoip.config.json', {
        sip: { listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' },
        storage: { adapter: 'memory' },
      }),
      env: {},
      logger: memoryLogger(),
      coreModules: [sipModule, sessionModule, platformModule],
    });
    await alice.start();
    await bob.start();
    base = baseUrl(alice);
    client = await SipStack.create({ listen: ['udp://127.0.0.1:0'] });
  });

  after(async () => {
    await client?.close();
    await Promise.all([alice?.stop(), bob?.stop()]);
  });

  it('listens on the OS-chosen port of 127.0.0.1:0 and logs "HTTP listening" with it', () => {
    const address = alice.get(HttpService).address;
    expect(address?.host).to.equal('127.0.0.1');
    expect(address?.port).to.be.a('number').and.not.equal(0);
    const line = records.find((r) => r.msg === 'HTTP listening');
    expect(line?.level).to.equal('info');
    expect(line?.obj).to.include({ host: '127.0.0.1', port: address?.port, url: base });
  });

  it('GET /health answers 200 ok with uptime and version once the kernel has started', async () => {
    const res = await request(base, 'GET', '/health');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
    const body = res.json() as { status: string; uptimeSeconds: number; version: string };
    expect(body).to.include({ status: 'ok', version: KERNEL_VERSION });
    expect(body.uptimeSeconds).to.be.a('number').and.at.least(0);
    const head = await request(base, 'HEAD', '/health');
    expect(head.status).to.equal(200);
    expect(head.text).to.equal('');
  });

  it('GET /metrics serves Prometheus text: process defaults and rvoip series from the services', async () => {
    const res = await request(base, 'GET', '/metrics');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    expect(sample(res.text, 'process_cpu_user_seconds_total')).to.be.a('number');
    expect(sample(res.text, 'process_resident_memory_bytes')).to.be.greaterThan(0);
    expect(sample(res.text, 'nodejs_heap_size_used_bytes')).to.be.greaterThan(0);
    expect(sample(res.text, 'rvoip_build_info', { version: KERNEL_VERSION })).to.equal(1);
    expect(metricType(res.text, 'rvoip_sip_transport_messages_received_total')).to.equal('counter');
    expect(metricType(res.text, 'rvoip_sessions')).to.equal('gauge');
    expect(sample(res.text, 'rvoip_sessions', { state: 'active' })).to.equal(0);
    expect(sample(res.text, 'rvoip_sip_transactions', { kind: 'invite-server' })).to.equal(0);
    expect(sample(res.text, 'rvoip_sip_dialogs')).to.equal(0);
    expect(sample(res.text, 'rvoip_registrar_contact_bindings')).to.be.a('number');
    // Only the rvoip_ prefix and the standard process_/nodejs_ families: nothing leaks in from the global registry.
    const families = [...res.text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    expect(families.filter((f) => !/^(rvoip|process|nodejs)_/.test(f))).to.deep.equal([]);
  });

  it('a SIP request sent to the stack moves the SIP counters', async () => {
    const before = await request(base, 'GET', '/metrics');
    const received = sample(before.text, 'rvoip_sip_transport_messages_received_total')!;
    const sent = sample(before.text, 'rvoip_sip_transport_messages_sent_total')!;
    const res = await client.sendRequest(buildRequest({ method: 'OPTIONS', uri: `sip:127.0.0.1:${sipPort(alice)}`, from: '<sip:probe@client.test>' }));
    expect(res.status).to.equal(200);
    const after = await request(base, 'GET', '/metrics');
    expect(sample(after.text, 'rvoip_sip_transport_messages_received_total')).to.be.at.least(received + 1);
    expect(sample(after.text, 'rvoip_sip_transport_messages_sent_total')).to.be.at.least(sent + 1);
  });

  it('GET /api/v1/registrations lists a REGISTERed contact (and the registrar gauges count it)', async () => {
    const register = buildRequest({
      method: 'REGISTER',
      uri: `sip:127.0.0.1:${sipPort(alice)}`,
      to: '<sip:carol@127.0.0.1>',
      from: '<sip:carol@127.0.0.1>',
      contact: '<sip:carol@127.0.0.1:5099>',
      userAgent: 'http-test',
      headers: [['Expires', 300]],
    });
    expect((await client.sendRequest(register)).status).to.equal(200);
    const res = await request(base, 'GET', '/api/v1/registrations');
    expect(res.status).to.equal(200);
    const body = res.json() as { count: number; registrations: Array<Record<string, unknown>> };
    const carol = body.registrations.find((r) => r.aor === 'sip:carol@127.0.0.1');
    expect(carol, res.text).to.include({ contact: 'sip:carol@127.0.0.1:5099', userAgent: 'http-test' });
    expect(Date.parse(carol!.expiresAt as string)).to.be.greaterThan(Date.now());
    expect(carol!.source).to.include({ transport: 'udp', address: '127.0.0.1', port: client.listeningPoints()[0]!.port });
    expect(body.count).to.equal(body.registrations.length);
    const metrics = await request(base, 'GET', '/metrics');
    expect(sample(metrics.text, 'rvoip_registrar_contact_bindings')).to.equal(body.count);
    expect(sample(metrics.text, 'rvoip_registrar_aors')).to.be.at.least(1);
  });

  it('lists a live call placed with the CallController, shows it by id, and DELETE hangs it up (204)', async () => {
    const bobActive = reach(bob, 'active');
    const aliceActive = reach(alice, 'active');
    const session = await alice.get<CallController>(CallController).dial({ to: `sip:bob@127.0.0.1:${sipPort(bob)}` });
    await aliceActive;
    const bobId = await bobActive;

    const list = await request(base, 'GET', '/api/v1/calls');
    expect(list.status).to.equal(200);
    const { calls, count } = list.json() as { calls: Array<Record<string, unknown>>; count: number };
    expect(count).to.equal(1);
    expect(calls[0]).to.include({ id: session.id, callId: session.callId, direction: 'outbound', state: 'active' });
    expect((calls[0]!.to as { uri: string }).uri).to.contain(`sip:bob@127.0.0.1:${sipPort(bob)}`);
    expect(calls[0]!.from).to.have.property('uri').that.is.a('string');
    expect(calls[0]!.codec).to.be.a('string');
    expect(Date.parse(calls[0]!.answeredAt as string)).to.be.at.least(Date.parse(calls[0]!.createdAt as string));

    const active = await request(base, 'GET', '/api/v1/calls?state=active&direction=outbound');
    expect((active.json() as { count: number }).count).to.equal(1);
    const inbound = await request(base, 'GET', '/api/v1/calls?direction=inbound');
    expect((inbound.json() as { count: number }).count).to.equal(0);

    const one = await request(base, 'GET', `/api/v1/calls/${encodeURIComponent(session.id)}`);
    expect(one.status).to.equal(200);
    expect(one.json()).to.include({ id: session.id, state: 'active' });

    const metrics = await request(base, 'GET', '/metrics');
    expect(sample(metrics.text, 'rvoip_sessions', { state: 'active' })).to.equal(1);
    expect(sample(metrics.text, 'rvoip_sip_dialogs')).to.equal(1);

    const bobEnded = reach(bob, 'terminated', bobId);
    const del = await request(base, 'DELETE', `/api/v1/calls/${encodeURIComponent(session.id)}`, {
      body: JSON.stringify({ reason: 'normal' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(del.status, del.text).to.equal(204);
    expect(del.text).to.equal('');
    await bobEnded;
    const after = alice.get<SessionManager>(SessionManager).get(session.id);
    expect(after === undefined || after.state === 'terminated', JSON.stringify(after)).to.equal(true);
    const stillActive = await request(base, 'GET', '/api/v1/calls?state=active');
    expect((stillActive.json() as { count: number }).count).to.equal(0);
  });

  it('counts call-event adapter deliveries and HTTP requests in /metrics', async () => {
    const res = await request(base, 'GET', '/metrics');
    expect(sample(res.text, 'rvoip_http_requests_total', { method: 'GET', route: '/health', status: '200' })).to.be.at.least(1);
    expect(sample(res.text, 'rvoip_http_requests_total', { method: 'DELETE', route: '/api/v1/calls/:id', status: '204' })).to.equal(1);
    await alice.get(CallEventDispatcher).whenIdle();
    const scraped = await request(base, 'GET', '/metrics');
    const delivered = { adapter: 'test-recorder', plugin: 'core' };
    expect(sample(scraped.text, 'rvoip_call_events_total', { ...delivered, outcome: 'delivered' })).to.be.greaterThan(0);
    expect(sample(scraped.text, 'rvoip_call_events_total', { ...delivered, outcome: 'failed' })).to.equal(0);
    expect(sample(scraped.text, 'rvoip_call_event_queue_events', delivered)).to.equal(0);
    expect(metricType(res.text, 'rvoip_call_events_total')).to.equal('counter');
    expect(metricType(res.text, 'rvoip_call_event_queue_events')).to.equal('gauge');
  });

  it('logs every request at debug with method, path, route and status', () => {
    const lines = records.filter((r) => r.msg === 'HTTP request');
    expect(lines.every((r) => r.level === 'debug')).to.equal(true);
    const del = lines.find((r) => r.obj.method === 'DELETE');
    expect(del?.obj).to.include({ route: '/api/v1/calls/:id', status: 204 });
    expect(del?.bindings).to.include({ component: 'http' });
  });

  describe('errors: JSON { error: { code, message } } with RVOIP_ERR_HTTP_ codes', () => {
    async function error(method: string, path: string, status: number, code: string, options = {}): Promise<ErrorBody> {
      const res = await request(base, method, path, options);
      expect(res.status, res.text).to.equal(status);
      expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
      const body = res.json() as ErrorBody;
      expect(body.error.code).to.equal(code);
      expect(body.error.message).to.be.a('string').and.not.equal('');
      return body;
    }
    const json = (body: string | Buffer) => ({ body, headers: { 'content-type': 'application/json' } });

    it('404 for unknown paths and unknown calls', async () => {
      await error('GET', '/nope', 404, 'RVOIP_ERR_HTTP_NOT_FOUND');
      await error('GET', '/api/v1/calls/', 404, 'RVOIP_ERR_HTTP_NOT_FOUND');
      const missing = await error('GET', '/api/v1/calls/no-such-call', 404, 'RVOIP_ERR_HTTP_CALL_NOT_FOUND');
      expect(missing.error.message).to.contain('no-such-call');
      await error('DELETE', '/api/v1/calls/no-such-call', 404, 'RVOIP_ERR_HTTP_CALL_NOT_FOUND');
    });

    it('405 with Allow for a method the path does not serve', async () => {
      const res = await request(base, 'POST', '/health');
      expect(res.status).to.equal(405);
      expect(res.headers.allow).to.equal('GET, HEAD');
      expect((res.json() as ErrorBody).error.code).to.equal('RVOIP_ERR_HTTP_METHOD_NOT_ALLOWED');
      const put = await request(base, 'PUT', '/api/v1/calls/abc');
      expect(put.status).to.equal(405);
      expect(put.headers.allow).to.equal('GET, HEAD, DELETE');
      await error('DELETE', '/api/v1/calls', 405, 'RVOIP_ERR_HTTP_METHOD_NOT_ALLOWED');
    });

    it('400 for bad query values and bad percent-encoding', async () => {
      const bad = await error('GET', '/api/v1/calls?state=dancing', 400, 'RVOIP_ERR_HTTP_BAD_REQUEST');
      expect(bad.error.message).to.contain('dancing');
      await error('GET', '/api/v1/calls?direction=sideways', 400, 'RVOIP_ERR_HTTP_BAD_REQUEST');
      await error('GET', '/api/v1/calls/%E0%A4%A', 400, 'RVOIP_ERR_HTTP_BAD_REQUEST');
    });

    it('never trusts a body: invalid JSON 400, wrong type 415, wrong shape 400, too large 413', async () => {
      await error('DELETE', '/api/v1/calls/x', 400, 'RVOIP_ERR_HTTP_INVALID_JSON', json('{"reason":'));
      await error('DELETE', '/api/v1/calls/x', 400, 'RVOIP_ERR_HTTP_INVALID_JSON', json(Buffer.from([0x7b, 0xff, 0x7d])));
      await error('DELETE', '/api/v1/calls/x', 415, 'RVOIP_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', { body: 'reason=normal', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await error('DELETE', '/api/v1/calls/x', 400, 'RVOIP_ERR_HTTP_BAD_REQUEST', json('[1,2]'));
      await error('DELETE', '/api/v1/calls/x', 400, 'RVOIP_ERR_HTTP_BAD_REQUEST', json('{"reason":"bored"}'));
      await error('DELETE', '/api/v1/calls/x', 400, 'RVOIP_ERR_HTTP_BAD_REQUEST', json('{"reason":"normal","force":true}'));
      await error('DELETE', '/api/v1/calls/x', 413, 'RVOIP_ERR_HTTP_BODY_TOO_LARGE', json(Buffer.alloc(200 * 1024, 0x20)));
      const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 0x20));
      await error('DELETE', '/api/v1/calls/x', 413, 'RVOIP_ERR_HTTP_BODY_TOO_LARGE', { chunks, headers: { 'content-type': 'application/json' } });
      // The server is still fine afterwards.
      expect((await request(base, 'GET', '/health')).status).to.equal(200);
    });
  });
});
