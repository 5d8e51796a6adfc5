import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from '@rvoip/contracts';
import type { ConfigIssue } from '../errors.js';

/** A fresh ajv per schema set: allErrors so every problem is reported in one pass. */
export function createAjv(strict = true): Ajv2020 {
  // Plugin schemas are third-party: tolerate unknown keywords/formats rather than refuse to boot.
  const ajv = new Ajv2020({
    allErrors: true, verbose: true, useDefaults: true, strict, strictTuples: false, allowUnionTypes: true,
    validateFormats: strict, logger: false,
  });
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  return ajv;
}

/** `/plugins/2/1/currency` -> `plugins[2][1].currency`, prefixed with `base`. */
export function pointerToPath(pointer: string, base = ''): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function expectation(err: ErrorObject): string {
  const own = (err.parentSchema as JsonSchema | undefined)?.['x-expected'];
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'type':
      return own ?? `a value of type ${String(p.type)}`;
    case 'enum':
      return own ?? `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return own ?? `a string matching ${String(p.pattern)}`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return own ?? `a number ${String(p.comparison)} ${String(p.limit)}`;
    case 'minLength':
      return own ?? `a string of at least ${String(p.limit)} characters`;
    case 'maxLength':
      return own ?? `a string of at most ${String(p.limit)} characters`;
    case 'minItems': case 'maxItems':
      return own ?? `${err.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items`;
    case 'uniqueItems':
      return `unique items (items ${String(p.j)} and ${String(p.i)} are equal)`;
    default:
      return own ?? (err.message ?? err.keyword);
  }
}

/**
 * Turns ajv's errors into one line per problem: exact path, bad value, expectation.
 * anyOf/oneOf failures are collapsed: when a branch got deeper than the union itself, the
 * deeper errors are the useful ones; otherwise one line says what shapes were accepted.
 */
export function toIssues(errors: readonly ErrorObject[], base = ''): ConfigIssue[] {
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string): void => {
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push({ path, message });
    }
  };
  for (const err of errors) {
    const isUnion = err.keyword === 'anyOf' || err.keyword === 'oneOf';
    // Inside a union, "wrong type" only says which branch did not apply: noise.
    if (!isUnion && err.keyword === 'type' && unionPaths.has(err.instancePath)) continue;
    if (isUnion) {
      const specific = errors.some((e) => {
        if (e.keyword === 'anyOf' || e.keyword === 'oneOf') return false;
        if (e.instancePath === err.instancePath) return e.keyword !== 'type';
        return e.instancePath.startsWith(`${err.instancePath}/`) && !(e.keyword === 'type' && unionPaths.has(e.instancePath));
      });
      if (specific) continue;
    }
    const p = err.params as Record<string, unknown>;
    if (err.keyword === 'required') {
      push(pointerToPath(`${err.instancePath}/${String(p.missingProperty)}`, base), 'is required but missing');
    } else if (err.keyword === 'additionalProperties') {
      const known = Object.keys((err.parentSchema as JsonSchema | undefined)?.properties ?? {});
      push(
        pointerToPath(`${err.instancePath}/${String(p.additionalProperty)}`, base),
        `unknown key${known.length ? `; expected one of ${known.join(', ')}` : ''}`,
      );
    } else if (err.keyword === 'items' && p.limit !== undefined) {
      push(pointerToPath(err.instancePath, base), `got ${show(err.data)}; expected at most ${String(p.limit)} items`);
    } else {
      push(pointerToPath(err.instancePath, base), `got ${show(err.data)}; expected ${expectation(err)}`);
    }
  }
  return issues;
}

export interface SchemaCheck {
  readonly validate: ValidateFunction;
}

/** Validates (and fills defaults into) `data` in place; returns the issues found. */
export function validateWith(validate: ValidateFunction, data: unknown, base = ''): ConfigIssue[] {
  return validate(data) ? [] : toIssues(validate.errors ?? [], base);
}
