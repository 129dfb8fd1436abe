import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, formatConfigError } from '../../../router/config/compile/index.ts';
import type { Resource } from '../../../router/config/manifest.ts';
import { type AnySpec, minimalResources, mutated } from './helpers.ts';

function errorsOf(resources: Resource[]): string[] {
  const r = compile(resources);
  return r.ok ? [] : r.errors.map((e) => formatConfigError({ ...e, source: undefined }));
}

const spec = (r: Resource) => r.spec as AnySpec;

describe('compile', () => {
  it('compiles the minimal configuration', () => {
    const r = compile(minimalResources());
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    const t = r.config.tenants['acme'];
    assert.ok(t);
    assert.equal(t.serviceLevel, 't/gold');
    assert.match(t.ingestTokenSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(t.routes[0]?.matchers, [{ name: 'env', op: '=', value: 'dev' }]);
    assert.deepEqual(r.config.serviceLevels['t/gold']?.targets.critical, {
      respondMs: 900_000,
      resolveMs: 14_400_000,
      coverage: '24x7',
      firstUpdateMs: 1_800_000,
      updateEveryMs: 3_600_000,
    });
    assert.equal(
      r.config.channels['t/ops-slack']?.secrets['slack.webhookUrlSecretRef'],
      'https://hooks.slack.com/services/T000/B000/XXXX',
    );
    assert.deepEqual(r.config.maintenanceWindows[0]?.recurrence, {
      days: [7],
      from: 1320,
      to: 120,
      timezone: 'Europe/Berlin',
    });
    // The schedule start is local Berlin time (CET in January).
    assert.equal(r.config.schedules['t/primary']?.layers[0]?.start, Date.parse('2026-01-05T08:00:00Z'));
  });

  it('gives equal hashes for equal inputs in any order, and a new hash for a change', () => {
    const a = compile(minimalResources());
    const b = compile(minimalResources().reverse());
    const c = compile(mutated('Tenant', 'acme', (r) => (spec(r).displayName = 'Acme AG')));
    assert.ok(a.ok && b.ok && c.ok);
    assert.equal(a.config.hash, b.config.hash);
    assert.notEqual(a.config.hash, c.config.hash);
  });

  it('reports every error, not just the first', () => {
    const rs = mutated('Tenant', 'acme', (r) => {
      spec(r).serviceLevel = 'platinum';
      spec(r).escalationPolicy = 'nope';
    });
    assert.equal(errorsOf(rs).length, 2);
  });

  // Each case: one broken manifest and the exact message that names kind, namespace/name and field.
  const cases: { name: string; resources: () => Resource[]; error: string }[] = [
    {
      name: 'missing ServiceLevel reference',
      resources: () => mutated('Tenant', 'acme', (r) => (spec(r).serviceLevel = 'platinum')),
      error: 'Tenant t/acme: spec.serviceLevel: ServiceLevel "platinum" not found in namespace t',
    },
    {
      name: 'missing EscalationPolicy in a route',
      resources: () => mutated('Tenant', 'acme', (r) => (spec(r).routes[0].escalationPolicy = 'night')),
      error: 'Tenant t/acme: spec.routes[0].escalationPolicy: EscalationPolicy "night" not found in namespace t',
    },
    {
      name: 'unknown time zone',
      resources: () => mutated('Tenant', 'acme', (r) => (spec(r).timezone = 'Europe/Berln')),
      error:
        'Tenant t/acme: spec.timezone: "Europe/Berln" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, Etc/UTC)',
    },
    {
      name: 'malformed duration',
      resources: () => mutated('ServiceLevel', 'gold', (r) => (spec(r).targets.critical.respond = '15 minutes')),
      error: 'ServiceLevel t/gold: spec.targets.critical.respond: must be a duration such as 30s, 15m, 4h, 3d or 1w',
    },
    {
      name: 'resolve target shorter than respond target',
      resources: () => mutated('ServiceLevel', 'gold', (r) => (spec(r).targets.critical.resolve = '10m')),
      error: 'ServiceLevel t/gold: spec.targets.critical.resolve: 10m is shorter than the respond target 15m',
    },
    {
      name: 'businessHours coverage without business hours',
      resources: () => mutated('ServiceLevel', 'gold', (r) => delete spec(r).businessHours),
      error: 'ServiceLevel t/gold: spec.targets.warning.coverage: businessHours coverage needs spec.businessHours',
    },
    {
      name: 'invalid time of day',
      resources: () => mutated('ServiceLevel', 'gold', (r) => (spec(r).businessHours.windows[0].to = '25:00')),
      error: 'ServiceLevel t/gold: spec.businessHours.windows[0].to: must be a time of day HH:MM (24 h)',
    },
    {
      name: 'impossible holiday date',
      resources: () => mutated('ServiceLevel', 'gold', (r) => (spec(r).businessHours.holidays = ['2026-02-30'])),
      error: 'ServiceLevel t/gold: spec.businessHours.holidays[0]: "2026-02-30" is not a calendar date',
    },
    {
      name: 'unknown day name',
      resources: () => mutated('ServiceLevel', 'gold', (r) => (spec(r).businessHours.windows[0].days = ['Monday'])),
      error:
        'ServiceLevel t/gold: spec.businessHours.windows[0].days[0]: must be one of: Mon, Tue, Wed, Thu, Fri, Sat, Sun',
    },
    {
      name: 'schedule member that is not a Responder',
      resources: () => mutated('OnCallSchedule', 'primary', (r) => spec(r).layers[0].members.push('carol')),
      error: 'OnCallSchedule t/primary: spec.layers[0].members[2]: Responder "carol" not found in namespace t',
    },
    {
      name: 'empty schedule layer',
      resources: () => mutated('OnCallSchedule', 'primary', (r) => (spec(r).layers[0].members = [])),
      error: 'OnCallSchedule t/primary: spec.layers[0].members: must NOT have fewer than 1 items',
    },
    {
      name: 'impossible local start time',
      resources: () => mutated('OnCallSchedule', 'primary', (r) => (spec(r).layers[0].start = '2026-02-30T09:00')),
      error: 'OnCallSchedule t/primary: spec.layers[0].start: "2026-02-30T09:00" is not a valid date and time',
    },
    {
      name: 'override ending before it starts',
      resources: () =>
        mutated('OnCallSchedule', 'primary', (r) => {
          spec(r).overrides = [{ responder: 'bob', start: '2026-12-24T18:00', end: '2026-12-24T08:00' }];
        }),
      error: 'OnCallSchedule t/primary: spec.overrides[0].end: must be after start (2026-12-24T18:00)',
    },
    {
      name: 'escalation target naming two kinds',
      resources: () =>
        mutated(
          'EscalationPolicy',
          'default',
          (r) => (spec(r).steps[1].notify[0] = { responder: 'bob', channel: 'ops-slack' }),
        ),
      error: 'EscalationPolicy t/default: spec.steps[1].notify[0]: set exactly one of schedule, responder, channel',
    },
    {
      name: 'step earlier than the one before',
      resources: () =>
        mutated('EscalationPolicy', 'default', (r) => {
          spec(r).steps[0].after = '10m';
          spec(r).steps[1].after = '5m';
        }),
      error:
        'EscalationPolicy t/default: spec.steps[1].after: 5m is earlier than the step before it; list steps in order',
    },
    {
      name: 'policy that can never page anyone',
      resources: () =>
        mutated('EscalationPolicy', 'default', (r) => {
          spec(r).steps = [{ after: '0m', notify: [{ responder: 'bob' }] }];
        }).map((x) => {
          if (x.kind === 'Responder' && x.metadata?.name === 'bob') spec(x).rules = [{ after: '0m', via: 'sms' }];
          return x;
        }),
      error:
        'EscalationPolicy t/default: spec.steps: this policy can never page anyone: no target has a responder with a usable contact, or a channel',
    },
    {
      name: 'rule without the contact it needs',
      resources: () => mutated('Responder', 'bob', (r) => spec(r).rules.push({ after: '5m', via: 'voice' })),
      error: 'Responder t/bob: spec.rules[1].via: voice needs spec.contact.phone',
    },
    {
      name: 'phone number not in E.164',
      resources: () => mutated('Responder', 'alice', (r) => (spec(r).contact.phone = '0151 1234567')),
      error: 'Responder t/alice: spec.contact.phone: must match ^\\+[1-9][0-9]{6,14}$',
    },
    {
      name: 'Secret key missing',
      resources: () => mutated('Tenant', 'acme', (r) => (spec(r).ingestTokenSecretRef.key = 'token')),
      error: 'Tenant t/acme: spec.ingestTokenSecretRef: Secret "acme-tokens" has no key "token" (keys: ingest, slack)',
    },
    {
      name: 'Secret missing',
      resources: () => mutated('Channel', 'ops-slack', (r) => (spec(r).slack.webhookUrlSecretRef.name = 'slack')),
      error: 'Channel t/ops-slack: spec.slack.webhookUrlSecretRef: Secret "slack" not found in namespace t',
    },
    {
      name: 'channel settings missing for its type',
      resources: () => mutated('Channel', 'ops-slack', (r) => (spec(r).type = 'webhook')),
      error: 'Channel t/ops-slack: spec.slack: is set but spec.type is webhook; remove it or change the type',
    },
    {
      name: 'broken handlebars template',
      resources: () => mutated('Channel', 'ops-slack', (r) => (spec(r).template = '{{#if incident}}open')),
      error: 'Channel t/ops-slack: spec.template: is not a valid handlebars template: Parse error on line 1:',
    },
    {
      name: 'invalid matcher syntax',
      resources: () =>
        mutated('Tenant', 'acme', (r) => (spec(r).inhibitRules[0].targetMatchers = ['alertname ~ Service'])),
      error:
        'Tenant t/acme: spec.inhibitRules[0].targetMatchers[0]: alertname ~ Service is not a matcher; write name="value", name!="value", name=~"regex" or name!~"regex"',
    },
    {
      name: 'invalid regular expression',
      resources: () => mutated('MaintenanceWindow', 'patch-sunday', (r) => (spec(r).matchers = ['host=~"db(01"'])),
      error:
        'MaintenanceWindow t/patch-sunday: spec.matchers[0]: host=~"db(01": invalid regular expression (RE2 syntax): missing closing ): `db(01`',
    },
    {
      name: 'a backreference (not RE2)',
      resources: () => mutated('Tenant', 'acme', (r) => (spec(r).inhibitRules[0].targetMatchers = ['a=~"(x)\\\\1"'])),
      error:
        'Tenant t/acme: spec.inhibitRules[0].targetMatchers[0]: a=~"(x)\\\\1": invalid regular expression (RE2 syntax): backreferences (\\1...) are not supported',
    },
    {
      name: 'maintenance window for an unknown tenant',
      resources: () => mutated('MaintenanceWindow', 'patch-sunday', (r) => (spec(r).tenant = 'globex')),
      error: 'MaintenanceWindow t/patch-sunday: spec.tenant: Tenant "globex" not found in namespace t',
    },
    {
      name: 'maintenance window both one-off and recurring',
      resources: () =>
        mutated('MaintenanceWindow', 'patch-sunday', (r) => {
          spec(r).start = '2026-12-01T20:00';
          spec(r).end = '2026-12-01T22:00';
        }),
      error:
        'MaintenanceWindow t/patch-sunday: spec.recurrence: set either start and end (one-off) or recurrence (recurring), not both',
    },
    {
      name: 'unknown field',
      resources: () => mutated('Tenant', 'acme', (r) => (spec(r).escalation = 'default')),
      error:
        'Tenant t/acme: spec.escalation: is not a known field (known: displayName, serviceLevel, escalationPolicy, timezone, ingestTokenSecretRef, responderTokenSecretRef, match, routes, groupBy, inhibitRules, limits, flapping, heartbeats, statusPage)',
    },
    {
      name: "tenant's responder token equal to its ingest token",
      resources: () =>
        mutated('Tenant', 'acme', (r) => (spec(r).responderTokenSecretRef = { name: 'acme-tokens', key: 'ingest' })),
      error:
        'Tenant t/acme: spec.responderTokenSecretRef: uses the same token as Tenant "acme" spec.ingestTokenSecretRef; every token must be different',
    },
    {
      name: "tenant's viewer token equal to its ingest token",
      resources: () =>
        mutated('Tenant', 'acme', (r) => {
          spec(r).statusPage = { enabled: true, viewerTokenSecretRef: { name: 'acme-tokens', key: 'ingest' } };
        }),
      error:
        'Tenant t/acme: spec.statusPage.viewerTokenSecretRef: uses the same token as Tenant "acme" spec.ingestTokenSecretRef; every token must be different',
    },
    {
      name: 'duplicate name',
      resources: () => [
        ...minimalResources(),
        ...minimalResources().filter((r) => r.kind === 'Responder' && r.metadata?.name === 'bob'),
      ],
      error: 'Responder t/bob: metadata.name: Responder t/bob is defined twice',
    },
    {
      name: 'tenant name reused in another namespace',
      resources: () => {
        const extra = minimalResources().filter((r) => r.kind !== 'MaintenanceWindow');
        for (const r of extra) (r.metadata as { namespace: string }).namespace = 'u';
        for (const r of extra)
          if (r.kind === 'Secret') (r.stringData as Record<string, string>)['ingest'] = 'other-token';
        return [...minimalResources(), ...extra];
      },
      error:
        'Tenant u/acme: metadata.name: Tenant "acme" also exists in namespace t; tenant names must be unique across namespaces (they appear in URLs and metrics)',
    },
    {
      name: 'invalid resource name',
      resources: () => mutated('Responder', 'bob', (r) => ((r.metadata as { name: string }).name = 'Bob_Smith')),
      error:
        'Responder t/Bob_Smith: metadata.name: must be a lowercase name of letters, digits and "-" (DNS-1123), at most 63 characters',
    },
    {
      name: 'unknown Switchboard kind',
      resources: () => [
        ...minimalResources(),
        { apiVersion: 'switchboard.dev/v1alpha1', kind: 'Team', metadata: { name: 'x', namespace: 't' }, spec: {} },
      ],
      error:
        'Team t/x: kind: "Team" is not a Switchboard kind (kinds: Tenant, ServiceLevel, OnCallSchedule, EscalationPolicy, Responder, Channel, MaintenanceWindow)',
    },
  ];

  for (const c of cases) {
    it(`rejects: ${c.name}`, () => {
      const errors = errorsOf(c.resources());
      assert.ok(
        errors.some((e) => e === c.error || (c.error.endsWith(':') && e.startsWith(c.error))),
        `expected\n  ${c.error}\ngot\n  ${errors.join('\n  ') || '(valid)'}`,
      );
    });
  }

  it('accepts steps at equal offsets (0s and 0m)', () => {
    assert.deepEqual(errorsOf(mutated('EscalationPolicy', 'default', (r) => (spec(r).steps[1].after = '0s'))), []);
  });
});
