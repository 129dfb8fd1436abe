import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '../../router/metrics.ts';

describe('router metric names', () => {
  it('standard process and Node.js metrics carry the switchboard_ prefix once', async () => {
    const text = await new Metrics().registry.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string);
    for (const want of [
      'switchboard_process_cpu_seconds_total',
      'switchboard_process_resident_memory_bytes',
      'switchboard_process_start_time_seconds',
      'switchboard_nodejs_eventloop_lag_p99_seconds',
      'switchboard_nodejs_heap_size_used_bytes',
    ])
      assert.ok(names.includes(want), `${want} in ${names.join(' ')}`);
    for (const n of names) {
      assert.match(n, /^switchboard_[a-z0-9_]+$/, n);
      assert.doesNotMatch(n, /^switchboard_process_(process|nodejs)_/, `${n}: prefix doubled`);
    }
  });
});
