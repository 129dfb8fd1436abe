import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchLength, nextPullSize } from '../../../router/pipeline/consumer.ts';

const msgs = (...sizes: number[]) => sizes.map((n) => ({ data: new Uint8Array(n) }));

describe('consumer: how many queued messages one batch applies', () => {
  it('at most `size` messages', () => {
    assert.equal(batchLength(msgs(10, 10, 10, 10), 3, 1_000), 3);
  });

  it('at most `bytes` bytes: a request of 100 alerts is one message, so a count alone let one batch hold the event loop for a second', () => {
    assert.equal(batchLength(msgs(100, 100, 100, 100), 64, 250), 2);
    assert.equal(batchLength(msgs(100, 100, 100, 100), 64, 300), 3);
  });

  it('always at least one message, however large', () => {
    assert.equal(batchLength(msgs(5_000, 10), 64, 100), 1);
  });

  it('no more than the queue holds; nothing from an empty queue', () => {
    assert.equal(batchLength(msgs(1, 1), 64, 1_000), 2);
    assert.equal(batchLength([], 64, 1_000), 0);
  });
});

describe('consumer: how many messages the next pull request asks for', () => {
  it('an idle partition asks for 16: its open request is filled by the first messages of a flood', () => {
    assert.equal(nextPullSize(128, 128, 3), 16);
    assert.equal(nextPullSize(16, 16, 0), 16);
  });

  it('doubles while requests come back full (a backlog), up to 128', () => {
    assert.equal(nextPullSize(16, 16, 16), 32);
    assert.equal(nextPullSize(64, 64, 64), 128);
    assert.equal(nextPullSize(128, 128, 128), 128);
  });

  it('a full request that asked for less (the queue was nearly full) grows the size, not shrinks it', () => {
    assert.equal(nextPullSize(128, 5, 5), 128);
    assert.equal(nextPullSize(32, 4, 4), 64);
  });
});
