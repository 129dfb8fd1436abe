import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestLoad } from '../../../router/api/ingest-load.ts';

/** A load on a hand-moved clock: `wait(ms)` moves it on, `request(ms)` is one request in flight for that long. */
function clocked() {
  let t = 0;
  const load = new IngestLoad(() => t);
  return {
    load,
    at: () => t,
    wait(ms: number) {
      t += ms;
    },
    /** One request in flight for `ms`. */
    request(ms: number) {
      load.begin();
      t += ms;
      load.end();
    },
  };
}

describe('IngestLoad: is ingest flooded (the consumer then gives way)?', () => {
  it('starts idle', () => {
    assert.equal(clocked().load.busy(), false);
  });

  it('a steady stream is not a flood: 100 requests/s of 2 ms each keep ingest ~20 % occupied', () => {
    const c = clocked();
    for (let i = 0; i < 500; i++) {
      c.request(2);
      c.wait(8);
      assert.equal(c.load.busy(), false, `request ${i}`);
    }
    assert.ok(c.load.share() > 0.1 && c.load.share() < 0.3, `share ${c.load.share()}`);
  });

  it('back-to-back requests (closed-loop senders) are a flood within ~100 ms, and stop being one soon after', () => {
    const c = clocked();
    let busyAt: number | null = null;
    for (let i = 0; i < 200; i++) {
      c.request(4);
      c.wait(0.3);
      if (busyAt === null && c.load.busy()) busyAt = c.at();
    }
    assert.ok(busyAt !== null && busyAt <= 120, `busy after ${busyAt} ms`);
    assert.equal(c.load.busy(), true);
    c.wait(150);
    assert.equal(c.load.busy(), false);
  });

  it('overlapping requests count once: two in flight at a time is not twice as busy', () => {
    const c = clocked();
    c.load.begin();
    c.load.begin();
    c.wait(1_000);
    assert.ok(c.load.share() <= 1);
    c.load.end();
    c.wait(1_000);
    assert.equal(c.load.busy(), true, 'one is still in flight');
    c.load.end();
    c.wait(1_000);
    assert.equal(c.load.busy(), false);
  });

  it('two requests in flight together are a flood at once, before the share has risen', () => {
    const c = clocked();
    c.load.begin();
    c.wait(0.5);
    assert.equal(c.load.busy(), false, 'one request is not a flood');
    c.load.begin();
    assert.ok(c.load.share() < 0.5);
    assert.equal(c.load.busy(), true);
    c.wait(1);
    c.load.end();
    c.load.end();
    c.wait(5);
    assert.equal(c.load.busy(), true, 'just finished: the next request of the flood is on its way');
    c.wait(20);
    assert.equal(c.load.busy(), false, 'nothing in flight for 25 ms, and the share is low');
  });

  it('concurrency long past does not make a later single request a flood', () => {
    const c = clocked();
    c.load.begin();
    c.load.begin();
    c.load.end();
    c.load.end();
    c.wait(500);
    c.load.begin();
    c.wait(1);
    assert.equal(c.load.busy(), false);
  });

  it('a 60 ms stall in which no request is read (applying held the event loop) does not end a flood', () => {
    const c = clocked();
    for (let i = 0; i < 100; i++) c.request(4);
    c.wait(60);
    assert.equal(c.load.busy(), true);
  });

  it('an unmatched end does not make the count negative', () => {
    const c = clocked();
    c.load.end();
    c.load.begin();
    c.wait(500);
    assert.equal(c.load.busy(), true);
  });
});
