import type { CallState, StateActionRef, StateTable, StateTransition } from '@rvoip/contracts';
import { TERMINAL_STATES } from './vocabulary.js';

export interface TransitionResult {
  readonly from: CallState;
  readonly to: CallState;
  readonly event: string;
  readonly actions: readonly StateActionRef[];
}

/**
 * The pure engine: (state, event) -> next state and actions. No I/O, no clocks; the
 * coordinator runs the actions. An exact `from` wins over '*', and '*' never leaves a
 * terminal state so a late event cannot resurrect a finished call.
 */
export class StateMachine {
  private readonly exact = new Map<string, StateTransition>();
  private readonly wildcard = new Map<string, StateTransition>();

  constructor(readonly table: StateTable) {
    for (const t of table.transitions) {
      if (t.from === '*') this.wildcard.set(t.on, t);
      else this.exact.set(`${t.from}\u0000${t.on}`, t);
    }
  }

  private find(state: CallState, event: string): StateTransition | undefined {
    const exact = this.exact.get(`${state}\u0000${event}`);
    if (exact) return exact;
    if (TERMINAL_STATES.includes(state)) return undefined;
    return this.wildcard.get(event);
  }

  can(state: CallState, event: string): boolean {
    return this.find(state, event) !== undefined;
  }

  /** Undefined when the table has no transition for this event in this state. */
  next(state: CallState, event: string): TransitionResult | undefined {
    const t = this.find(state, event);
    return t && { from: state, to: t.to, event, actions: t.actions };
  }

  /** Events accepted in `state`, for error messages and UIs. */
  eventsFrom(state: CallState): string[] {
    const out = new Set<string>();
    for (const t of this.table.transitions) {
      if (t.from === state || (t.from === '*' && !TERMINAL_STATES.includes(state))) out.add(t.on);
    }
    return [...out].sort();
  }
}
