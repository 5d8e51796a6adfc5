import type { StateActionAdapter, StateTable } from '@rvoip/contracts';

/**
 * Unknown action names fail at load, not mid-call: every action the table names must be a
 * built-in or claimed by a registered StateActionAdapter. Returns one line per problem.
 */
export function findUnknownActions(table: StateTable, adapters: readonly StateActionAdapter[]): string[] {
  const builtin = new Set(table.builtinActions);
  const problems: string[] = [];
  for (const t of table.transitions) {
    for (const action of t.actions) {
      if (builtin.has(action.name) || adapters.some((a) => a.canHandle(action.name))) continue;
      problems.push(`"${action.name}" in ${t.from} --${t.on}--> ${t.to}`);
    }
  }
  return problems;
}
