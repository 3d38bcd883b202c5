/** Why a pattern is not RE2: the 0-based offset (UTF-16 units) of the offending text, the text, the reason. */
export interface Re2SyntaxError {
  readonly position: number;
  readonly expr: string;
  readonly reason: string;
}

/** Thrown inside the checker and turned into an {@link Re2SyntaxError} at its boundary. */
export class Re2Error extends Error {
  constructor(
    readonly position: number,
    readonly expr: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}
