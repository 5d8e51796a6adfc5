import type { JsonSchema } from '@rvoip/contracts';

const hostPort = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):([0-9]{1,5})$';
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;

const pluginOptions: JsonSchema = {
  type: 'object',
  description: "Options for the plugin, validated against the plugin's own configSchema.",
};

const bootPolicy: JsonSchema = {
  enum: ['abort', 'continue'],
  description: 'What a failure of this plugin during boot does: abort the whole start, or report it and go on.',
};

const pluginEntry: JsonSchema = {
  'x-expected': 'a plugin name, [name, options] or { use, options, onBootFailure, enabled }',
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', prefixItems: [{ type: 'string', minLength: 1 }, pluginOptions], minItems: 1, maxItems: 2, items: false },
    {
      type: 'object',
      required: ['use'],
      additionalProperties: false,
      properties: {
        use: { type: 'string', minLength: 1, description: 'Package name or path relative to the config file.' },
        options: pluginOptions,
        onBootFailure: bootPolicy,
        enabled: { type: 'boolean' },
      },
    },
  ],
};

/**
 * The one schema for the whole config file (draft 2020-12). `npm run schema -w @rvoip/kernel`
 * writes it to schema/rvoip.config.schema.json for editors; a test keeps the two equal.
 */
export const configSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://rvoip.dev/schema/rvoip.config.schema.json',
  title: 'rvoip configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'Lets editors find this schema.' },
    sip: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        listen: {
          type: 'array',
          description: 'SIP listening sockets.',
          default: ['udp://0.0.0.0:5060'],
          items: {
            type: 'string',
            pattern: '^(udp|tcp|tls|ws|wss)://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):([0-9]{1,5})$',
            'x-expected': 'a listen URI like udp://0.0.0.0:5060 (udp, tcp, tls, ws or wss)',
          },
          uniqueItems: true,
        },
        domain: { type: 'string', minLength: 1, default: 'localhost', description: 'The SIP domain this node serves.' },
        workers: {
          type: 'integer',
          minimum: 1,
          default: 1,
          description: 'Threads serving UDP REGISTERs on the udp:// listen points (SO_REUSEPORT); 1 = the main thread only. Above 1 needs a storage adapter shared across threads (not memory).',
        },
      },
    },
    media: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        rtpPorts: {
          type: 'array',
          description: 'Inclusive RTP port range [min, max].',
          prefixItems: [port, port],
          minItems: 2,
          maxItems: 2,
          items: false,
          default: [10000, 20000],
          'x-expected': 'a port range [min, max] with 1 <= min <= max <= 65535',
        },
      },
    },
    registrar: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        auth: { enum: ['digest', false], default: 'digest', 'x-expected': '"digest" or false' },
        realm: { type: 'string', minLength: 1 },
        digestAlgorithms: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          default: ['SHA-256', 'MD5'],
          items: { enum: ['SHA-512-256', 'SHA-256', 'MD5'] },
          'x-expected': 'a list of "SHA-512-256", "SHA-256", "MD5" in the order challenges are offered',
        },
        maxContacts: {
          type: 'integer',
          minimum: 1,
          default: 32,
          description: 'Bindings one AOR may hold; a REGISTER that would add more gets 503 Too Many Registered Contacts.',
        },
        users: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            required: ['username', 'password'],
            additionalProperties: false,
            properties: {
              username: { type: 'string', minLength: 1, pattern: '^[^\\s@:]+$', 'x-expected': 'a SIP username without spaces, "@" or ":"' },
              password: { type: 'string', minLength: 1, description: 'Literal or ${env:NAME} / ${file:path}; redacted in output.' },
            },
          },
        },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        listen: { type: 'string', pattern: hostPort, 'x-expected': 'a "host:port" address like 127.0.0.1:8080' },
      },
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        adapter: {
          type: 'string',
          minLength: 1,
          default: 'sqlite',
          description: "'memory', 'sqlite', 'postgres', 'redis', or a storage plugin package/path.",
        },
        options: { type: 'object', default: {}, description: "Adapter options; sqlite defaults to { path: './data/rvoip.db' }." },
      },
    },
    plugins: { type: 'array', items: pluginEntry, default: [] },
    discovery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        installed: { type: 'boolean', default: false, description: 'Load installed packages whose package.json has an "rvoip" field.' },
        dirs: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
      },
    },
    kernel: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        hookTimeoutMs: { type: 'integer', minimum: 1, default: 10000 },
        onPluginBootFailure: { ...bootPolicy, default: 'abort' },
        eventQueueSize: { type: 'integer', minimum: 1, default: 1000 },
        eventTimeoutMs: { type: 'integer', minimum: 1, default: 5000 },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
  },
};
