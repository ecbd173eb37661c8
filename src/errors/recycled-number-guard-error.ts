/** Base class of every error this library throws on purpose. */
export class RecycledNumberGuardError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecycledNumberGuardError';
    this.code = code;
  }
}
