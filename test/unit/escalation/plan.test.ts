import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyConfig } from '../../../router/config/compiled.ts';
import { notificationKey } from '../../../router/escalation/identity.ts';
import {
  cycleLength,
  type EscalationPlan,
  MIN_REPEAT_GAP_MS,
  type PlanConfig,
  planEscalation,
} from '../../../router/escalation/plan.ts';
import { channel, MIN, policy, responder, restriction, routerConfig, schedule, t } from './fixtures.ts';

const OPEN = t('2026-03-04T10:00:00Z');
const ch = (n: string) => ({ kind: 'channel' as const, ref: `msp/${n}` });
const rsp = (n: string) => ({ kind: 'responder' as const, ref: `msp/${n}` });
const sch = (n: string) => ({ kind: 'schedule' as const, ref: `msp/${n}` });

const channels = ['a', 'b', 'c'].map((n) => channel(n));

function run(
  p: PolicyConfig,
  config: PlanConfig,
  at: number,
  opts: { respondBy?: number; ackedAt?: number; resolvedAt?: number; startedAt?: number } = {},
): EscalationPlan {
  return planEscalation(
    {
      incidentId: 'inc1',
      policy: p,
      startedAt: opts.startedAt ?? OPEN,
      acknowledgedAt: opts.ackedAt ?? null,
      resolvedAt: opts.resolvedAt ?? null,
      respondBy: opts.respondBy ?? null,
      now: at,
    },
    config,
  );
}
/** `repeat.step target rule @minutes-after-open` per due notification. */
const summary = (plan: EscalationPlan) =>
  plan.due.map((n) => `${n.id.repeat}.${n.id.step} ${n.id.target} ${n.id.rule} @${(n.at - OPEN) / MIN}`);

describe('escalation plan: step offsets', () => {
  const p = policy([
    { after: '0m', notify: [ch('a')] },
    { after: '15m', notify: [ch('b')] },
    { after: '30m', notify: [ch('c')] },
  ]);
  const config = routerConfig({ channels });
  const cases: [string, number, string[], number | null][] = [
    ['at opening: step 1', 0, ['0.0 channel/msp/a - @0'], 15],
    ['just before step 2', 15 * MIN - 1, ['0.0 channel/msp/a - @0'], 15],
    ['exactly at step 2 (due at, not after)', 15 * MIN, ['0.0 channel/msp/a - @0', '0.1 channel/msp/b - @15'], 30],
    ['all three', 31 * MIN, ['0.0 channel/msp/a - @0', '0.1 channel/msp/b - @15', '0.2 channel/msp/c - @30'], null],
  ];
  for (const [name, offset, due, next] of cases) {
    it(name, () => {
      const plan = run(p, config, OPEN + offset);
      assert.deepEqual(summary(plan), due);
      assert.equal(plan.nextAt, next === null ? null : OPEN + next * MIN);
      assert.equal(plan.stopped, next === null ? 'finished' : null);
    });
  }
  it('before the incident opened nothing is due', () => {
    const plan = run(p, config, OPEN - 1);
    assert.deepEqual(plan.due, []);
    assert.equal(plan.nextAt, OPEN);
  });
  it('offsets count from startedAt (business-hours coverage starts later)', () => {
    const plan = run(p, config, OPEN + 2 * 60 * MIN, { startedAt: OPEN + 2 * 60 * MIN });
    assert.deepEqual(
      plan.due.map((n) => n.id.step),
      [0],
    );
  });
});

describe('escalation plan: responder rules', () => {
  const anna = responder('anna', [
    ['0m', 'email'],
    ['5m', 'sms'],
    ['10m', 'voice'],
  ]);
  const config = routerConfig({ responders: [anna], channels });
  const p = policy([
    { after: '0m', notify: [rsp('anna')] },
    { after: '30m', notify: [ch('a')] },
  ]);
  it('each rule at its offset from the page', () => {
    assert.deepEqual(summary(run(p, config, OPEN + 6 * MIN)), [
      '0.0 responder/msp/anna email@0 @0',
      '0.0 responder/msp/anna sms@300000 @5',
    ]);
    assert.equal(run(p, config, OPEN + 6 * MIN).nextAt, OPEN + 10 * MIN);
  });
  it('a responder reached twice in one step (directly and through a schedule) is one notification per rule', () => {
    const oncall = schedule('s', 'Etc/UTC', { start: '2026-03-01T00:00', every: '1d', members: ['anna'] });
    const twice = policy([{ after: '0m', notify: [rsp('anna'), sch('s')] }]);
    const plan = run(twice, routerConfig({ responders: [anna], schedules: [oncall] }), OPEN + 11 * MIN);
    assert.equal(plan.due.length, 3);
    assert.equal(new Set(plan.due.map((n) => n.key)).size, 3);
  });
  it('keys are stable and name the rule by medium and offset, not by position', () => {
    const n = run(p, config, OPEN).due[0];
    assert.ok(n);
    assert.equal(n.key, 'n.inc1.0.0.responder/msp/anna.email=400');
    assert.equal(
      n.key,
      notificationKey({ incidentId: 'inc1', repeat: 0, step: 0, target: 'responder/msp/anna', rule: 'email@0' }),
    );
    const reordered = { ...anna, rules: [...anna.rules].reverse() };
    const again = run(p, routerConfig({ responders: [reordered] }), OPEN).due[0];
    assert.equal(again?.key, n.key);
  });
});

describe('escalation plan: repeat', () => {
  const p = policy(
    [
      { after: '0m', notify: [ch('a')] },
      { after: '15m', notify: [ch('b')] },
      { after: '30m', notify: [ch('c')] },
    ],
    { repeat: 2 },
  );
  const config = routerConfig({ channels });
  it('cycle length: last step plus the gap before it', () => {
    assert.equal(cycleLength(p), 45 * MIN);
    assert.equal(cycleLength(policy([{ after: '0m', notify: [] }])), MIN_REPEAT_GAP_MS);
    assert.equal(cycleLength(policy([{ after: '10m', notify: [] }])), 20 * MIN);
    assert.equal(
      cycleLength(
        policy([
          { after: '0m', notify: [] },
          { after: '1m', notify: [] },
        ]),
      ),
      1 * MIN + MIN_REPEAT_GAP_MS,
    );
  });
  it('rounds restart the whole policy', () => {
    const plan = run(p, config, OPEN + 61 * MIN);
    assert.deepEqual(summary(plan).slice(3), ['1.0 channel/msp/a - @45', '1.1 channel/msp/b - @60']);
    assert.equal(plan.nextAt, OPEN + 75 * MIN);
  });
  it('finishes after repeat + 1 rounds', () => {
    const plan = run(p, config, OPEN + 24 * 60 * MIN);
    assert.equal(plan.due.length, 9);
    assert.deepEqual(plan.due.at(-1)?.id, {
      incidentId: 'inc1',
      repeat: 2,
      step: 2,
      target: 'channel/msp/c',
      rule: '-',
    });
    assert.equal(plan.due.at(-1)?.at, OPEN + 120 * MIN);
    assert.equal(plan.nextAt, null);
    assert.equal(plan.stopped, 'finished');
  });
});

describe('escalation plan: escalateBeforeBreach', () => {
  const p = policy(
    [
      { after: '0m', notify: [ch('a')] },
      { after: '15m', notify: [ch('b')] },
      { after: '30m', notify: [ch('c')] },
    ],
    { escalateBeforeBreach: '5m' },
  );
  const config = routerConfig({ channels });
  it('pulls the next step to respondBy - escalateBeforeBreach (15m SLA: step 2 at minute 10)', () => {
    const plan = run(p, config, OPEN + 10 * MIN, { respondBy: OPEN + 15 * MIN });
    assert.deepEqual(summary(plan), ['0.0 channel/msp/a - @0', '0.1 channel/msp/b - @10']);
    assert.equal(plan.due[1]?.firing.reason, 'before-breach');
    assert.equal(plan.due[1]?.firing.scheduledAt, OPEN + 15 * MIN);
    // Only that step: the third keeps its offset.
    assert.equal(plan.nextAt, OPEN + 30 * MIN);
  });
  it('does nothing when the next step comes earlier anyway', () => {
    const plan = run(p, config, OPEN + 16 * MIN, { respondBy: OPEN + 60 * MIN });
    assert.deepEqual(summary(plan), ['0.0 channel/msp/a - @0', '0.1 channel/msp/b - @15']);
    assert.equal(plan.nextAt, OPEN + 30 * MIN);
    // A deadline after the last step pulls nothing.
    assert.equal(run(p, config, OPEN + 31 * MIN, { respondBy: OPEN + 60 * MIN }).nextAt, null);
  });
  it('an SLA shorter than the lead time pages step 2 with step 1', () => {
    const plan = run(p, config, OPEN, { respondBy: OPEN + 3 * MIN });
    assert.deepEqual(summary(plan), ['0.0 channel/msp/a - @0', '0.1 channel/msp/b - @0']);
  });
  it('without a respond deadline steps keep their offsets', () => {
    assert.equal(run(p, config, OPEN).nextAt, OPEN + 15 * MIN);
  });
});

describe('escalation plan: acknowledge and resolve stop it', () => {
  const anna = responder('anna', [
    ['0m', 'email'],
    ['5m', 'sms'],
  ]);
  const p = policy(
    [
      { after: '0m', notify: [rsp('anna')] },
      { after: '15m', notify: [ch('a')] },
    ],
    { repeat: 3 },
  );
  const config = routerConfig({ responders: [anna], channels });
  for (const [name, opts, stopped] of [
    ['acknowledged', { ackedAt: OPEN + 2 * MIN }, 'acknowledged'],
    ['resolved', { resolvedAt: OPEN + 2 * MIN }, 'resolved'],
    ['resolved after an ack', { ackedAt: OPEN + MIN, resolvedAt: OPEN + 2 * MIN }, 'resolved'],
  ] as const) {
    it(name, () => {
      const plan = run(p, config, OPEN + 3 * 60 * MIN, opts);
      assert.deepEqual(plan.due, []);
      assert.deepEqual(plan.problems, []);
      assert.equal(plan.nextAt, null);
      assert.equal(plan.stopped, stopped);
    });
  }
});

describe('escalation plan: schedules resolve at the moment the step fires', () => {
  // Daily 09:00 handoff in Berlin; the clocks go forward on Sunday 2026-03-29 (02:00 CET -> 03:00 CEST).
  // ana has 27th 09:00 - 28th 09:00, ben 28th 09:00 - 29th 09:00 (= 07:00 UTC after the change), ana again.
  const berlin = schedule('berlin', 'Europe/Berlin', {
    start: '2026-03-27T09:00',
    every: '1d',
    members: ['ana', 'ben'],
  });
  const people = [responder('ana', [['0m', 'email']]), responder('ben', [['0m', 'email']])];
  const config = routerConfig({ schedules: [berlin], responders: people });
  const p = policy([
    { after: '0m', notify: [sch('berlin')] },
    { after: '15m', notify: [sch('berlin')] },
  ]);
  const who = (plan: EscalationPlan) =>
    plan.due.map((n) => `${n.id.step}:${n.recipient.kind === 'responder' ? n.recipient.responder : '?'}`);

  it('across the DST change the handoff stays 09:00 local (07:00 UTC)', () => {
    // 06:50 UTC = 08:50 CEST: still ben. 07:05 UTC = 09:05 CEST: ana. (With the winter offset 07:05 UTC
    // would read 08:05 and still be ben.)
    const open = t('2026-03-29T06:50:00Z');
    const plan = planEscalation(
      {
        incidentId: 'x',
        policy: p,
        startedAt: open,
        acknowledgedAt: null,
        resolvedAt: null,
        respondBy: null,
        now: open + 15 * MIN,
      },
      config,
    );
    assert.deepEqual(who(plan), ['0:msp/ben', '1:msp/ana']);
    assert.deepEqual(plan.due[1]?.recipient, {
      kind: 'responder',
      responder: 'msp/ana',
      via: 'email',
      afterMs: 0,
      schedule: { key: 'msp/berlin', layer: 'primary' },
    });
  });
  it('a late sweep still pages whoever was on call when the step was due', () => {
    const open = t('2026-03-29T06:50:00Z');
    const plan = planEscalation(
      {
        incidentId: 'x',
        policy: p,
        startedAt: open,
        acknowledgedAt: null,
        resolvedAt: null,
        respondBy: null,
        now: open + 6 * 60 * MIN,
      },
      config,
    );
    assert.deepEqual(who(plan), ['0:msp/ben', '1:msp/ana']);
  });
});

describe('escalation plan: nobody on call', () => {
  // Office hours only: Mon-Fri 09:00-17:00 UTC. 2026-03-07 is a Saturday.
  const office = schedule('office', 'Etc/UTC', {
    start: '2026-03-02T09:00',
    every: '1w',
    members: ['ana'],
    restrictions: [restriction([1, 2, 3, 4, 5], '09:00', '17:00')],
  });
  const config = routerConfig({ schedules: [office], responders: [responder('ana', [['0m', 'email']])], channels });
  const p = policy([
    { after: '0m', notify: [sch('office')] },
    { after: '30m', notify: [ch('a')] },
    { after: '60m', notify: [ch('b')] },
  ]);
  const SAT = t('2026-03-07T12:00:00Z');

  it('is reported and pages the next step at once', () => {
    const plan = run(p, config, SAT, { startedAt: SAT });
    assert.equal(plan.problems.length, 1);
    const problem = plan.problems[0];
    assert.equal(problem?.problem, 'nobody-on-call');
    assert.equal(problem?.ref, 'msp/office');
    assert.equal(problem?.key, 'n.inc1.0.0.schedule/msp/office.nobody-on-call');
    assert.match(problem?.message ?? '', /nobody is on call in schedule msp\/office/);
    assert.deepEqual(
      plan.due.map((n) => [n.id.step, n.at - SAT, n.firing.reason]),
      [[1, 0, 'nobody-on-call']],
    );
    // The step after keeps its own offset.
    assert.equal(plan.nextAt, SAT + 60 * MIN);
  });
  it('in office hours the schedule pages and nothing is pulled', () => {
    const MON = t('2026-03-09T10:00:00Z');
    const plan = run(p, config, MON, { startedAt: MON });
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(
      plan.due.map((n) => n.id.target),
      ['responder/msp/ana'],
    );
    assert.equal(plan.nextAt, MON + 30 * MIN);
  });
  it('an empty last step is still reported', () => {
    const last = policy([
      { after: '0m', notify: [ch('a')] },
      { after: '10m', notify: [sch('office')] },
    ]);
    const plan = run(last, config, SAT + 10 * MIN, { startedAt: SAT });
    assert.deepEqual(
      plan.problems.map((x) => x.problem),
      ['nobody-on-call'],
    );
    assert.equal(plan.nextAt, null);
  });
  it('a future empty step makes nextAt the moment it would fire, not later', () => {
    const plan = run(
      policy([
        { after: '10m', notify: [sch('office')] },
        { after: '40m', notify: [ch('a')] },
      ]),
      config,
      SAT,
      { startedAt: SAT },
    );
    assert.deepEqual(plan.due, []);
    assert.equal(plan.nextAt, SAT + 10 * MIN);
  });
  it('a target missing from the config is reported as unknown-target', () => {
    const plan = run(policy([{ after: '0m', notify: [ch('gone')] }]), config, SAT, { startedAt: SAT });
    assert.deepEqual(
      plan.problems.map((x) => [x.problem, x.ref]),
      [['unknown-target', 'msp/gone']],
    );
  });
});
