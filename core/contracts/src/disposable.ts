/** Returned by every subscription so callers can detach deterministically. */
export interface Disposable {
  dispose(): void;
}
