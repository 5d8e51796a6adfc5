// The deployment `npm start` runs. Types come from defineConfig; the editor schema is
// core/kernel/schema/rvoip.config.schema.json (also used for JSON/YAML configs).
import { defineConfig } from '@rvoip/sdk';

export default defineConfig({
  sip: {
    listen: ['udp://0.0.0.0:5060', 'tcp://0.0.0.0:5060'],
    domain: 'localhost',
  },
  media: { rtpPorts: [10000, 20000] },
  registrar: {
    auth: 'digest',
    users: [
      // Secret from the environment (redacted by `rvoip config print`); the fallback keeps the demo runnable.
      { username: '1001', password: '${env:SIP_1001_PASSWORD:-1001-demo}' },
      { username: '1002', password: '${env:SIP_1002_PASSWORD:-1002-demo}' },
    ],
  },
  // Health, Prometheus metrics and the REST API; keep it on loopback (no authentication).
  http: { listen: '127.0.0.1:8080' },
  // The embedded default (the @rvoip/storage-sqlite plugin package); WAL + synchronous=FULL.
  storage: { adapter: 'sqlite', options: { path: './data/rvoip.db' } },
  plugins: [],
  log: { level: 'info' },
});
