import { type Logger, pino } from 'pino';

/** Structured JSON logs on stdout; level from SWITCHBOARD_LOG_LEVEL (default info). */
export function createLogger(name: string, level = process.env['SWITCHBOARD_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

export type { Logger };
