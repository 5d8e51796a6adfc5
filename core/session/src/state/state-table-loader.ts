import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import type {
  CallState, JsonValue, StateActionAdapter, StateActionParams, StateActionRef, StateTable, StateTransition,
} from '@rvoip/contracts';
import { SessionError, SessionErrorCode } from '../errors.js';
import { stateTableSchema } from './state-table-schema.js';
import { BUILTIN_ACTIONS, BUILTIN_EVENTS } from './vocabulary.js';

/** A state table after parsing, schema checking and name checking. */
export interface LoadedStateTable extends StateTable {
  /** Builtin events plus the table's own `events:`. */
  readonly events: readonly string[];
}

/** Where a table comes from: YAML text, a YAML file, or an already-parsed object. */
export type StateTableSource = { readonly yaml: string } | { readonly file: string } | { readonly document: JsonValue };

export interface LoadStateTableOptions {
  /** Defaults to the table shipped with @rvoip/session. */
  readonly base?: StateTableSource;
  /** Merged over the base: a transition with the same from+on replaces the base one. */
  readonly extend?: readonly StateTableSource[];
  /** Adapters whose canHandle() makes custom action names legal. */
  readonly adapters?: readonly StateActionAdapter[];
}

export const DEFAULT_STATE_TABLE_FILE = new URL('../../state-table.yaml', import.meta.url);

interface RawTransition {
  from: string | string[];
  on: string;
  to: CallState;
  actions?: Array<string | { name: string; params?: StateActionParams }>;
}
interface RawTable { version?: 1; events?: string[]; transitions: RawTransition[] }

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
const validateSchema = ajv.compile<RawTable>(stateTableSchema);

function describe(err: ErrorObject): string {
  const where = err.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.').replace(/^\./, '') || '(root)';
  return `${where}: ${err.message ?? 'is invalid'}`;
}

function readSource(source: StateTableSource): { doc: unknown; label: string } {
  if ('document' in source) return { doc: source.document, label: 'state table object' };
  const label = 'file' in source ? source.file : 'state table YAML';
  let text: string;
  try {
    text = 'file' in source ? readFileSync(source.file, 'utf8') : source.yaml;
  } catch (cause) {
    throw new SessionError(SessionErrorCode.StateTableInvalid, `Cannot read state table ${label}: ${String(cause)}`, { source: label }, { cause });
  }
  try {
    return { doc: parseYaml(text) as unknown, label };
  } catch (cause) {
    throw new SessionError(SessionErrorCode.StateTableInvalid, `State table ${label} is not valid YAML: ${String(cause)}`, { source: label }, { cause });
  }
}

function parseSource(source: StateTableSource): { table: RawTable; label: string } {
  const { doc, label } = readSource(source);
  if (!validateSchema(doc)) {
    const issues = (validateSchema.errors ?? []).map(describe);
    throw new SessionError(
      SessionErrorCode.StateTableInvalid,
      `State table ${label} does not match its schema:\n  ${issues.join('\n  ')}`,
      { source: label, issues },
    );
  }
  return { table: doc, label };
}

function normalize(raw: RawTransition): StateTransition[] {
  const froms = raw.from === '*' ? ['*'] : Array.isArray(raw.from) ? raw.from : [raw.from];
  const actions: StateActionRef[] = (raw.actions ?? []).map((a) =>
    typeof a === 'string' ? { name: a } : a.params ? { name: a.name, params: a.params } : { name: a.name });
  return froms.map((from) => ({ from: from as CallState | '*', on: raw.on, to: raw.to, actions }));
}

/**
 * Loads, merges and checks a state table. Unknown events and actions fail here, at load,
 * rather than in the middle of a call.
 */
export function loadStateTable(options: LoadStateTableOptions = {}): LoadedStateTable {
  const sources = [options.base ?? { file: DEFAULT_STATE_TABLE_FILE.pathname }, ...(options.extend ?? [])];
  const events = new Set<string>(BUILTIN_EVENTS);
  const byKey = new Map<string, StateTransition>();
  const labels: string[] = [];
  for (const source of sources) {
    const { table, label } = parseSource(source);
    labels.push(label);
    for (const e of table.events ?? []) events.add(e);
    for (const raw of table.transitions) {
      for (const t of normalize(raw)) byKey.set(`${t.from}\u0000${t.on}`, t);
    }
  }
  const transitions = [...byKey.values()];
  const adapters = options.adapters ?? [];
  const builtin = new Set<string>(BUILTIN_ACTIONS);
  const issues: string[] = [];
  transitions.forEach((t) => {
    const where = `transition ${t.from} --${t.on}--> ${t.to}`;
    if (!events.has(t.on)) issues.push(`${where}: unknown event '${t.on}' (declare it under events:)`);
    for (const a of t.actions) {
      if (!builtin.has(a.name) && !adapters.some((ad) => ad.canHandle(a.name))) {
        issues.push(`${where}: unknown action '${a.name}' (not builtin and no StateActionAdapter handles it)`);
      }
    }
  });
  if (issues.length > 0) {
    throw new SessionError(
      SessionErrorCode.StateTableInvalid,
      `State table (${labels.join(' + ')}) refers to unknown names:\n  ${issues.join('\n  ')}`,
      { issues },
    );
  }
  return { transitions, builtinActions: [...BUILTIN_ACTIONS], events: [...events] };
}
