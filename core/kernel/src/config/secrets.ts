import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { pointerToPath } from './validate.js';

const REF = /\$\{(env|file):([^}]+)\}/g;
/** Keys whose values are redacted even when written literally. */
const SENSITIVE_KEY = /password|passwd|passphrase|secret|token|api[-_]?key|credential|private[-_]?key|^pass$|^ha1$/i;
export const REDACTED = '[redacted]';

/**
 * Replaces `${env:NAME}`, `${env:NAME:-fallback}` and `${file:path}` inside string values (in place) and records the
 * JSON pointers that held a secret so output can redact them. File secrets (Docker,
 * Kubernetes) lose one trailing newline; relative file paths resolve from `baseDir`.
 */
export function resolveSecrets(
  root: unknown,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): { secretPointers: Set<string>; issues: ConfigIssue[] } {
  const secretPointers = new Set<string>();
  const issues: ConfigIssue[] = [];
  const visit = (node: unknown, pointer: string, assign: (v: string) => void): void => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return;
      let touched = false;
      const out = node.replace(REF, (_m: string, kind: string, ref: string) => {
        touched = true;
        if (kind === 'env') {
          // `${env:NAME:-fallback}` as in POSIX shells: the fallback applies when NAME is unset.
          const [name, fallback] = ref.split(':-', 2) as [string, string | undefined];
          const value = env[name] ?? fallback;
          if (value === undefined) issues.push({ path: pointerToPath(pointer), message: `refers to environment variable ${name}, which is not set` });
          return value ?? _m;
        }
        try {
          return readFileSync(resolve(baseDir, ref), 'utf8').replace(/\r?\n$/, '');
        } catch (err) {
          issues.push({ path: pointerToPath(pointer), message: `refers to secret file ${ref}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
          return _m;
        }
      });
      if (touched) {
        secretPointers.add(pointer);
        assign(out);
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${pointer}/${i}`, (v) => (node[i] = v)));
    } else if (typeof node === 'object' && node !== null) {
      const obj = node as Record<string, unknown>;
      for (const key of Object.keys(obj)) visit(obj[key], `${pointer}/${key}`, (v) => (obj[key] = v));
    }
  };
  visit(root, '', () => undefined);
  return { secretPointers, issues };
}

/** A deep copy safe to print or log: secret references and sensitive keys are masked. */
export function redact<T>(value: T, secretPointers: ReadonlySet<string> = new Set()): T {
  const walk = (node: unknown, pointer: string, key: string | undefined): unknown => {
    if (secretPointers.has(pointer)) return REDACTED;
    if (key !== undefined && SENSITIVE_KEY.test(key) && (typeof node === 'string' || typeof node === 'number')) return REDACTED;
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`, undefined));
    if (typeof node === 'object' && node !== null && Object.getPrototypeOf(node) === Object.prototype) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, `${pointer}/${k}`, k)]));
    }
    return node;
  };
  return walk(value, '', undefined) as T;
}
