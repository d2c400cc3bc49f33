/**
 * Typed errors that carry the what and the where. Front ends render them as they see fit:
 * a CLI line, a UI banner, an ephemeral Discord reply.
 */
export class GovernorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A configuration file is malformed or invalid; `line` is 1-based, 0 when unknown. */
export class ConfigError extends GovernorError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super('config_invalid', `${file}${line > 0 ? `:${line}` : ''}: ${detail}`);
  }
}

export class NotFoundError extends GovernorError {
  constructor(
    readonly what: string,
    readonly key: string,
    hint = '',
  ) {
    super('not_found', `${what} "${key}" not found${hint ? `; ${hint}` : ''}`);
  }
}

/** A conditional update lost: somebody else got there first (a review decided twice, say). */
export class ConflictError extends GovernorError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Input that is well-formed but not acceptable here (a decision without the comment it needs, say). */
export class InvalidInputError extends GovernorError {
  constructor(message: string) {
    super('invalid_input', message);
  }
}

/** A write that the branching model forbids to this actor. */
export class ProtectedRefError extends GovernorError {
  constructor(
    readonly actor: string,
    readonly ref: string,
    reason: string,
  ) {
    super('protected_ref', `${actor} may not write ${ref}: ${reason}`);
  }
}

/** The ledger's hash chain or an export does not match. */
export class IntegrityError extends GovernorError {
  constructor(message: string) {
    super('integrity', message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
