// Which failures of applying alerts are retried for as long as they last, and which dead-letter after a
// few attempts (router/pipeline/failures.ts). The errors are the messages the NATS client and server give.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RevisionConflict } from '../../../router/incidents/store.ts';
import { classifyFailure, nextStep, PERMANENT_ATTEMPTS, UNKNOWN_ATTEMPTS } from '../../../router/pipeline/failures.ts';

const transient = [
  new Error('503'),
  new Error('TIMEOUT'),
  new Error('timeout'),
  new Error('no responders available for request'),
  new Error('JetStream system temporarily unavailable'),
  new Error('CONNECTION_CLOSED'),
  new Error('disconnect'),
  new Error('stream not found'),
  new Error('jetstream not enabled'),
  new Error('incident 123 resolved meanwhile'),
  new Error('incident i1: too many concurrent changes'),
  new RevisionConflict('a.globex.x changed concurrently'),
];

describe('classifyFailure', () => {
  for (const e of transient) {
    it(`retries "${e.message}" for as long as it lasts`, () => {
      assert.deepEqual(classifyFailure(e), { transient: true });
      for (const attempt of [1, 5, 50, 5_000]) {
        const step = nextStep(classifyFailure(e), attempt);
        assert.ok('retryInMs' in step && step.retryInMs <= 5_000, JSON.stringify(step));
      }
    });
  }

  it('classifies size and validity failures as permanent', () => {
    assert.deepEqual(classifyFailure(new Error("'payload' max_payload size exceeded")), {
      transient: false,
      reason: 'too_large',
    });
    assert.deepEqual(classifyFailure(new Error('message size exceeds maximum allowed')), {
      transient: false,
      reason: 'too_large',
    });
    assert.deepEqual(classifyFailure(new Error('maximum bytes exceeded')), { transient: false, reason: 'store_full' });
    assert.deepEqual(classifyFailure(new Error('not an alert batch')), { transient: false, reason: 'invalid' });
    assert.deepEqual(classifyFailure(new SyntaxError('Unexpected token } in JSON')), {
      transient: false,
      reason: 'invalid',
    });
    assert.deepEqual(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'x')")), {
      transient: false,
      reason: 'failing',
    });
  });
});

describe('nextStep', () => {
  it('dead-letters a permanent failure on its last attempt, backing off before', () => {
    const kind = classifyFailure(new Error("'payload' max_payload size exceeded"));
    const waits = [];
    for (let attempt = 1; attempt < PERMANENT_ATTEMPTS; attempt++) {
      const step = nextStep(kind, attempt);
      assert.ok('retryInMs' in step);
      waits.push(step.retryInMs);
    }
    assert.deepEqual(waits, [250, 500]);
    assert.deepEqual(nextStep(kind, PERMANENT_ATTEMPTS), { deadLetter: 'too_large' });
  });

  it('gives an unrecognised failure more attempts', () => {
    const kind = classifyFailure(new TypeError('boom'));
    assert.ok('retryInMs' in nextStep(kind, UNKNOWN_ATTEMPTS - 1));
    assert.deepEqual(nextStep(kind, UNKNOWN_ATTEMPTS), { deadLetter: 'failing' });
  });
});
