// Shared by the ingest parser tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../../router/errors.ts';

/**
 * A payload captured from a real tool (test/fixtures, copied from the project's shared fixtures:
 * Alertmanager 0.25 and Zabbix 6.0.14). Parsed fresh on every call, so tests may mutate it.
 */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
}

/** Asserts that `run` throws a ValidationError for exactly `field`, its message containing `message`. */
export function assertRejects(run: () => unknown, field: string, message?: string | RegExp): ValidationError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ValidationError, `expected a ValidationError, got ${String(caught)}`);
  assert.equal(caught.field, field, `wrong field; message: ${caught.message}`);
  if (typeof message === 'string') assert.ok(caught.message.includes(message), caught.message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

/** A labels object with `count` distinct entries. */
export function manyLabels(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`l${i}`, 'v']));
}
