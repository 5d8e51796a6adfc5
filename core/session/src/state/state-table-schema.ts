import type { JsonSchema } from '@rvoip/contracts';
import { CALL_STATES } from './vocabulary.js';

const name: JsonSchema = { type: 'string', pattern: '^[a-z][a-z0-9-]*$', 'x-expected': 'a kebab-case name' };
const state: JsonSchema = { type: 'string', enum: CALL_STATES };

const action: JsonSchema = {
  anyOf: [
    name,
    {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name, params: { type: 'object' } },
    },
  ],
};

/** The YAML shape of a state table (JSON Schema 2020-12), checked with ajv at load. */
export const stateTableSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://rvoip.dev/schema/state-table.json',
  title: 'rvoip call state table',
  type: 'object',
  required: ['transitions'],
  additionalProperties: false,
  properties: {
    version: { type: 'integer', const: 1 },
    /** Extra event names (fed back by StateActionAdapters through `emit`). */
    events: { type: 'array', items: name, uniqueItems: true },
    transitions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['from', 'on', 'to'],
        additionalProperties: false,
        properties: {
          from: {
            anyOf: [
              { type: 'string', const: '*' },
              state,
              { type: 'array', items: state, minItems: 1, uniqueItems: true },
            ],
          },
          on: name,
          to: state,
          actions: { type: 'array', items: action },
        },
      },
    },
  },
};
