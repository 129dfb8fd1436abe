// Typed errors. Each says what went wrong with which field and, where it helps, what to do next.
// The HTTP layer maps them to status codes; nothing else inspects messages.

/** Bad input from a client: answered 400 with the field at fault. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    /** JSON-pointer-like path of the offending field, e.g. `alerts[3].labels.severity`; empty for the whole body. */
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(field ? `${field}: ${message}` : message, options);
  }
}

/** No tenant claims any alert of the request: 400, counted per alert as `no_tenant`. */
export class UnclaimedAlertsError extends ValidationError {}

/** Missing or wrong credentials: 401. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
}

/** Credentials valid, but not for this tenant or resource: 403. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/** 404. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A state conflict, e.g. acknowledging a resolved incident: 409. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** Over a tenant's rate limit: 429 with Retry-After. */
export class RateLimitError extends Error {
  override readonly name = 'RateLimitError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A dependency (NATS) is unavailable: 503 with Retry-After; the client should retry. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
