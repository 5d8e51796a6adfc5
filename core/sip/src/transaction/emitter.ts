/**
 * A tiny typed event emitter. Listener exceptions are caught and logged: a buggy TU
 * callback must never leave a transaction half-way through a state transition.
 */
import type { Logger } from '@rvoip/contracts';

/** Event name -> listener signature; `never[]` accepts every listener shape without `any`. */
export type EventMap = Record<string, (...args: never[]) => void>;

export class TypedEmitter<E extends EventMap> {
  // Created on the first listener: most server transactions never get one.
  private listeners: Map<keyof E, Array<E[keyof E]>> | undefined;

  constructor(protected readonly emitterLogger: Logger) {}

  on<K extends keyof E>(event: K, listener: E[K]): this {
    const listeners = (this.listeners ??= new Map());
    const list = listeners.get(event) ?? [];
    list.push(listener);
    listeners.set(event, list);
    return this;
  }

  once<K extends keyof E>(event: K, listener: E[K]): this {
    const wrapper = ((...args: Parameters<E[K]>) => {
      this.off(event, wrapper);
      listener(...args);
    }) as E[K];
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, listener: E[K]): this {
    const list = this.listeners?.get(event);
    if (list) {
      const idx = list.indexOf(listener);
      if (idx >= 0) list.splice(idx, 1);
    }
    return this;
  }

  listenerCount(event: keyof E): number {
    return this.listeners?.get(event)?.length ?? 0;
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const list = this.listeners?.get(event);
    if (!list) return;
    for (const listener of [...list]) {
      try {
        listener(...args);
      } catch (err) {
        this.emitterLogger.error({ err, event: String(event) }, 'transaction listener threw');
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners = undefined;
  }
}
