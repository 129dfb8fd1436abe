// The shipped Grafana dashboards and alert rules against a real Prometheus: a real nats-server and a
// router process go through a scripted scenario (alerts from three sources and two tenants, a
// duplicate, an acknowledgement, resolutions, rejected requests, a rejected then a good config);
// Prometheus scrapes the router every second; then every PromQL expression of every dashboard panel,
// every template variable and every alert rule runs against Prometheus's HTTP API and must parse,
// and return data when the metrics it uses are exported today. `promtool check rules` passes.
// Needs `scripts/tools.sh nats-server prometheus`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { dashboardPanels, type PanelData, previewHtml } from '../harness/dashboard-preview.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { Prometheus } from '../harness/prometheus.ts';
import {
  ADMIN_TOKEN,
  api,
  copyConfig,
  RESPONDER_TOKENS,
  RouterProcess,
  SHARED_TOKEN,
  TOKENS,
} from '../harness/router.ts';
import { ROOT, toolPath } from '../harness/tools.ts';

/**
 * SPEC §4 metrics this scenario cannot produce: the operator (not scraped here) exports reconcile errors
 * (test/integration/operator.test.ts checks them), and a healthy router dead-letters nothing
 * (test/integration/poison.test.ts checks that). Panels and rules using them must parse.
 */
const PENDING = ['switchboard_reconcile_errors_total', 'switchboard_alerts_dead_lettered_total'];
/** Grafana's `${datasource}` reference, spelled without a template literal. */
const DS_VAR = '$' + '{datasource}';
const RULES_FILE = join(ROOT, 'deploy', 'prometheus', 'switchboard-rules.yaml');

// biome-ignore lint/suspicious/noExplicitAny: Grafana JSON is walked generically
type Json = any;
interface Query {
  where: string;
  expr: string;
  /** For rules: the expression without its threshold, which must return data. */
  dataExpr?: string;
}

const dashboards = readdirSync(join(ROOT, 'dashboards'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(ROOT, 'dashboards', f), 'utf8')) as Json }));

function panels(d: Json): Json[] {
  return (d.panels as Json[]).flatMap((p) => [p, ...((p.panels as Json[] | undefined) ?? [])]);
}

/** Grafana's variables replaced as the brief of the test says: $tenant by TENANT, intervals by 1m. */
function substitute(expr: string, d: Json, tenant: string): string {
  let out = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h');
  for (const v of d.templating.list as Json[]) {
    // $tenant is the tenant under test; other query variables ($responder) take every value.
    const value =
      v.type !== 'query' ? String(v.current?.value ?? '') : /,\s*tenant\)$/.test(v.query?.query ?? '') ? tenant : '.*';
    out = out.replaceAll(`\${${v.name}}`, value).replaceAll(`$${v.name}`, value);
  }
  assert.doesNotMatch(out, /\$\w/, `unsubstituted variable in ${out}`);
  return out;
}

function dashboardQueries(tenant: string): Query[] {
  return dashboards.flatMap(({ file, json }) =>
    panels(json).flatMap((p) =>
      ((p.targets as Json[] | undefined) ?? []).map((t) => ({
        where: `${file} "${p.title}" ${t.refId}`,
        expr: substitute(t.expr, json, tenant),
      })),
    ),
  );
}

/** Alert rule expressions; `absent(X)` and `X > N` must have data in X. */
function ruleQueries(): Query[] {
  const rules = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return rules.groups.flatMap((g) =>
    g.rules.map((r) => {
      const expr = r.expr.trim();
      const absent = /^absent\((.*)\)$/s.exec(expr);
      const dataExpr = absent ? (absent[1] as string) : expr.replace(/\s*(==|!=|>=|<=|>|<)\s*-?[0-9.e]+$/, '');
      return { where: `rule ${r.alert}`, expr, dataExpr };
    }),
  );
}

const pending = (expr: string) => PENDING.filter((m) => expr.includes(m));
/** Time-of-day filters (night pages) have data only at night: require data without the filter. */
// (and hourly subqueries over a week at 1 s steps over 10 minutes: their hour-aligned steps predate a
// Prometheus started seconds ago).
const withoutHourFilter = (expr: string) =>
  expr.replace(/\s*and on\(\) \(hour\(\) >= \d+ or hour\(\) < \d+\)/g, '').replace(/\[\w+:1h\]/g, '[10m:1s]');

describe('dashboards and rules, statically', () => {
  it('four dashboards, schemaVersion 39+, $datasource and $tenant variables, no hard-coded datasource UID', () => {
    assert.deepEqual(
      dashboards.map((d) => d.file),
      [
        'switchboard-msp-overview.json',
        'switchboard-oncall-load.json',
        'switchboard-router-health.json',
        'switchboard-tenant-sla.json',
      ],
    );
    const uids = new Set<string>();
    for (const { file, json } of dashboards) {
      assert.ok(json.schemaVersion >= 39, `${file}: schemaVersion ${json.schemaVersion}`);
      assert.ok(!uids.has(json.uid), `${file}: uid ${json.uid} repeated`);
      uids.add(json.uid);
      const vars = Object.fromEntries((json.templating.list as Json[]).map((v) => [v.name, v]));
      assert.equal(vars['datasource']?.type, 'datasource');
      assert.equal(vars['datasource']?.query, 'prometheus');
      assert.equal(vars['tenant']?.type, 'query');
      assert.equal(vars['tenant']?.allValue, '.*');
      // Every datasource reference anywhere is the variable (or Grafana's built-in annotations).
      const walk = (node: Json, path: string): void => {
        if (Array.isArray(node)) {
          for (const [i, n] of node.entries()) walk(n, `${path}[${i}]`);
        } else if (node && typeof node === 'object') {
          if (path.endsWith('.datasource') && 'uid' in node)
            assert.ok(
              node.uid === DS_VAR || node.uid === '-- Grafana --',
              `${file}${path}: hard-coded datasource uid ${node.uid}`,
            );
          for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
        }
      };
      walk(json, '');
      for (const p of panels(json).filter((x) => x.type !== 'row')) {
        assert.ok(p.targets?.length > 0, `${file} "${p.title}" has no query`);
        assert.ok(p.description, `${file} "${p.title}" has no description`);
      }
    }
  });

  it('promtool check rules passes; every rule has a severity and a runbook_url to a section of docs/runbooks.md', () => {
    const r = spawnSync(toolPath('promtool'), ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: \d+ rules found/);
    const runbooks = readFileSync(join(ROOT, 'docs', 'runbooks.md'), 'utf8');
    const anchors = new Set(
      [...runbooks.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
        (m[1] as string)
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const rules = parse(readFileSync(RULES_FILE, 'utf8')) as {
      groups: { rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
    };
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      assert.match(rule.labels['severity'] ?? '', /^(critical|warning)$/, rule.alert);
      const url = rule.annotations['runbook_url'] ?? '';
      assert.match(url, /^https:\/\/github\.com\/switchboard-dev\/switchboard\/blob\/main\/docs\/runbooks\.md#/);
      const anchor = url.slice(url.indexOf('#') + 1);
      assert.ok(anchors.has(anchor), `${rule.alert}: no section #${anchor} in docs/runbooks.md`);
    }
  });
});

describe('every query against a real Prometheus scraping a router', () => {
  let nats: NatsServer;
  let router: RouterProcess;
  let prom: Prometheus;
  let configDir: string;
  let metricsText = '';

  before(async () => {
    nats = await NatsServer.start();
    configDir = copyConfig();
    // Page at once (the fixture pages after a day), also a schedule with nobody on call yet, and give criticals
    // a 2 s respond target: so the scenario has pages, notifications, a nobody-on-call problem and an SLA
    // breach (globex's LinkDown is never acknowledged).
    const fixture = join(configDir, 'config.yaml');
    let yaml = readFileSync(fixture, 'utf8');
    for (const [from, to] of [
      [
        '- after: 1d\n      notify: [{responder: alice}]',
        '- after: 0s\n      notify: [{responder: alice}, {schedule: nobody}]',
      ],
      ['critical: {respond: 15m,', 'critical: {respond: 2s,'],
    ] as const) {
      assert.ok(yaml.includes(from), `the fixture has ${from}`);
      yaml = yaml.replace(from, to);
    }
    writeFileSync(
      fixture,
      `${yaml}
---
apiVersion: switchboard.dev/v1alpha1
kind: OnCallSchedule
metadata: {name: nobody, namespace: test}
spec:
  timezone: Etc/UTC
  layers:
    - {name: next-century, start: "2099-01-05T00:00", rotation: {every: 1w}, members: [alice]}
`,
    );
    // A 1 s sweep: SLA breaches are recorded by the sweep, within one interval (+5 s) of the deadline.
    router = await RouterProcess.start(nats.url, configDir, [], { SWITCHBOARD_SWEEP_INTERVAL: '1s' });
    prom = await Prometheus.start([{ job: 'switchboard-router', targets: [`127.0.0.1:${router.port}`] }]);

    // The scenario.
    const acme = api(router.url, TOKENS.acme);
    const admin = api(router.url, ADMIN_TOKEN);
    const accepted = async (p: Promise<{ status: number; body: unknown }>) => {
      const r = await p;
      assert.equal(r.status, 202, JSON.stringify(r.body));
    };
    const disk = {
      summary: 'Disk full',
      fingerprint: 'disk-db01',
      severity: 'critical',
      labels: { alertname: 'DiskFull', instance: 'db01' },
    };
    const cpu = {
      summary: 'CPU high',
      fingerprint: 'cpu-web01',
      severity: 'high',
      labels: { alertname: 'CPUHigh', instance: 'web01' },
    };
    const mem = {
      summary: 'Memory low',
      fingerprint: 'mem-app01',
      severity: 'warning',
      labels: { alertname: 'MemLow', instance: 'app01' },
    };
    // A silence (acme's responder manages silences), and an alert it mutes.
    const silence = await api(router.url, RESPONDER_TOKENS.acme).post('/api/v1/silences', {
      matchers: ['alertname="Backup"'],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'jane',
      comment: 'backup server migration',
    });
    assert.equal(silence.status, 201, JSON.stringify(silence.body));
    await accepted(
      acme.post('/api/v1/alerts', { summary: 'Backup failed', severity: 'warning', labels: { alertname: 'Backup' } }),
    );
    await accepted(acme.post('/api/v1/alerts', [disk, cpu, mem]));
    // Never acknowledged: an SLA breach at acme too.
    await accepted(
      acme.post('/api/v1/alerts', {
        summary: 'VPN down',
        fingerprint: 'vpn',
        severity: 'critical',
        labels: { alertname: 'VpnDown', instance: 'fw01' },
      }),
    );
    await accepted(acme.post('/api/v1/alerts', disk)); // a duplicate of an alert already firing
    await accepted(
      acme.post(
        '/api/v1/alerts/alertmanager',
        readFileSync(join(ROOT, 'test/fixtures/alertmanager-0.25-webhook.json'), 'utf8'),
        { 'content-type': 'application/json' },
      ),
    );
    await accepted(
      api(router.url, SHARED_TOKEN).post('/api/v1/alerts', {
        summary: 'Link down',
        severity: 'critical',
        labels: { customer: 'globex', alertname: 'LinkDown' },
      }),
    );
    const open = await waitFor('three acme incidents', async () => {
      const r = await admin.get('/api/v1/incidents?tenant=acme&status=open');
      const items = (r.body?.items ?? r.body?.incidents ?? []) as { id: string; severity: string }[];
      return items.length >= 3 ? items : undefined;
    });
    const bySeverity = (s: string) => open.find((i) => i.severity === s)?.id;
    // Acknowledged: the critical one stays open (acknowledged), the high one resolves below.
    for (const sev of ['critical', 'high'])
      assert.equal((await admin.post(`/api/v1/incidents/${bySeverity(sev)}/acknowledge`, { by: 'alice' })).status, 200);
    assert.equal((await admin.post(`/api/v1/incidents/${bySeverity('warning')}/resolve`, { by: 'alice' })).status, 200);
    await accepted(acme.post('/api/v1/alerts', { ...cpu, status: 'resolved' }));
    // Rejected requests: invalid input, an unknown token.
    assert.equal((await acme.post('/api/v1/alerts', { summary: 'x', severity: 'bogus' })).status, 400);
    assert.equal((await api(router.url, 'wrong-token').post('/api/v1/alerts', { summary: 'x' })).status, 401);
    // NATS down for a moment: ingest answers 503 (counted as unavailable), then recovers.
    await nats.stop();
    await waitFor('/readyz 503', async () => (await fetch(`${router.url}/readyz`)).status === 503);
    assert.equal((await acme.post('/api/v1/alerts', { summary: 'during the outage' })).status, 503);
    await nats.restart();
    await waitFor('/readyz 200', async () => (await fetch(`${router.url}/readyz`)).status === 200, 20_000);
    // A configuration that is refused (unknown ServiceLevel), then a good one again.
    const configFile = join(configDir, 'config.yaml');
    const good = readFileSync(configFile, 'utf8');
    assert.ok(good.includes('serviceLevel: gold'));
    writeFileSync(configFile, good.replace('serviceLevel: gold', 'serviceLevel: platinum'));
    const metric = async () => (await fetch(`${router.url}/metrics`)).text();
    await waitFor(
      'a rejected reload',
      async () => /switchboard_config_reloads_total\{outcome="rejected"\} [1-9]/.test(await metric()),
      20_000,
    );
    // A good change (not the same file again, which would reload as `unchanged`).
    writeFileSync(configFile, good.replace('displayName: Acme GmbH', 'displayName: Acme AG'));
    await waitFor(
      'an applied reload',
      async () => /switchboard_config_reloads_total\{outcome="applied"\} [1-9]/.test(await metric()),
      20_000,
    );
    await waitFor(
      'the SLA breaches of the unacknowledged critical incidents',
      async () => {
        const m = await metric();
        return ['acme', 'globex'].every((t) =>
          new RegExp(`switchboard_sla_breaches_total\\{tenant="${t}",severity="critical",kind="respond"\\} [1-9]`).test(
            m,
          ),
        );
      },
      20_000,
    );
    metricsText = await metric();

    // Prometheus has scraped the end state a few times (rates need two samples).
    await waitFor(
      'Prometheus scraped the scenario',
      async () => {
        // The last series to appear are the reload and the breach counters.
        for (const expr of [
          'count_over_time(switchboard_config_reloads_total{outcome="applied"}[1m])',
          'min(count_over_time(switchboard_sla_breaches_total[1m]))',
        ]) {
          const r = await prom.query(expr);
          if (Number(r.data?.result[0]?.value?.[1] ?? 0) < 3) return false;
        }
        return true;
      },
      30_000,
    );
  });

  after(async () => {
    await prom?.stop();
    await router?.stop();
    await nats?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('the router exports every SPEC §4 metric that is not listed as pending', () => {
    for (const m of [
      'switchboard_alerts_received_total',
      'switchboard_alerts_rejected_total',
      'switchboard_alerts_deduplicated_total',
      'switchboard_incidents_open',
      'switchboard_incidents_total',
      'switchboard_ingest_duration_seconds',
      'switchboard_processing_lag_seconds',
      'switchboard_config_revision',
      'switchboard_config_reloads_total',
      'switchboard_nats_connected',
      'switchboard_alerts_suppressed_total',
      'switchboard_notifications_total',
      'switchboard_sla_breaches_total',
      'switchboard_time_to_acknowledge_seconds',
      'switchboard_time_to_resolve_seconds',
      'switchboard_pages_total',
    ])
      assert.ok(metricsText.includes(`# HELP ${m} `), `${m} not exported`);
  });

  for (const tenant of ['.*', 'acme']) {
    it(`every dashboard query parses, and returns data unless it uses a pending metric ($tenant=${tenant})`, async (t) => {
      const problems: string[] = [];
      let withData = 0;
      for (const q of dashboardQueries(tenant)) {
        const r = await prom.query(q.expr);
        if (r.status !== 'success') {
          problems.push(`${q.where}: ${r.errorType}: ${r.error}\n    ${q.expr}`);
          continue;
        }
        if (pending(q.expr).length > 0) continue;
        const dataExpr = q.expr.includes('hour()') ? withoutHourFilter(q.expr) : q.expr;
        const d = dataExpr === q.expr ? r : await prom.query(dataExpr);
        if ((d.data?.result.length ?? 0) === 0) problems.push(`${q.where}: no data\n    ${dataExpr}`);
        else withData++;
      }
      t.diagnostic(`${dashboardQueries(tenant).length} queries, ${withData} with data required and present`);
      assert.deepEqual(problems, []);
    });
  }

  it('every dashboard renders in headless Chromium from its queries (the pictures in docs/install.md)', async (t) => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: toolPath('chromium'), args: ['--no-sandbox'] });
    // UPDATE_SCREENSHOTS=1 refreshes the docs' pictures; otherwise they go to a temporary folder.
    const outDir = process.env['UPDATE_SCREENSHOTS']
      ? join(ROOT, 'docs', 'img')
      : mkdtempSync(join(tmpdir(), 'sb-dash-'));
    try {
      // A trickle of traffic for the pictures' rate panels (the scenario above happened all at once).
      const acme = api(router.url, TOKENS.acme);
      for (let k = 0; k < 12; k++) {
        await acme.post('/api/v1/alerts', {
          summary: `Trickle ${k}`,
          fingerprint: `trickle-${k}`,
          severity: k % 3 ? 'warning' : 'high',
          labels: { alertname: 'Trickle', instance: `host${k}` },
        });
        await new Promise((r) => setTimeout(r, 1_000));
      }
      await new Promise((r) => setTimeout(r, 2_000));
      const end = Date.now() / 1000;
      for (const { file, json } of dashboards) {
        const panelData: PanelData[] = [];
        for (const p of dashboardPanels(json)) {
          const series: PanelData['series'] = [];
          for (const target of (p.targets as Json[] | undefined) ?? []) {
            const expr = substitute(target.expr, json, '.*');
            if (p.type === 'timeseries') {
              const q = new URLSearchParams({ query: expr, start: String(end - 120), end: String(end), step: '2' });
              const r = (await (await fetch(`${prom.url}/api/v1/query_range?${q}`)).json()) as Json;
              for (const m of r.data?.result ?? [])
                series.push({ labels: m.metric, points: m.values.map((v: [number, string]) => [v[0], Number(v[1])]) });
            } else {
              const r = (await prom.query(expr)) as Json;
              for (const m of r.data?.result ?? [])
                series.push({ labels: m.metric, points: [[m.value[0], Number(m.value[1])]] });
            }
          }
          panelData.push({
            title: p.title,
            type: p.type,
            gridPos: p.gridPos,
            unit: p.fieldConfig?.defaults?.unit ?? '',
            series,
          });
        }
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const errors: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('request', (r) => {
          if (!r.url().startsWith('data:') && r.url() !== 'about:blank') errors.push(`request to ${r.url()}`);
        });
        await page.setContent(
          previewHtml(
            json.title,
            'Preview of the dashboard JSON against the test Prometheus, $tenant = All',
            panelData,
          ),
        );
        const name = file.replace(/^switchboard-/, 'dashboard-').replace(/\.json$/, '.png');
        await page.screenshot({ path: join(outDir, name), fullPage: true });
        await page.close();
        assert.deepEqual(errors, [], file);
        const drawn = panelData.filter((p) => p.type !== 'row');
        const withData = drawn.filter((p) => p.series.length > 0).length;
        t.diagnostic(`${file}: ${withData}/${drawn.length} panels with data -> ${join(outDir, name)}`);
        // Night-time panels are empty by day: most, not all, panels must have data.
        const empty = drawn.filter((p) => p.series.length === 0).map((p) => p.title);
        assert.ok(withData >= drawn.length * 0.75, `${file}: no data in ${empty.join(', ')}`);
      }
    } finally {
      await browser.close();
    }
  });

  it('every template variable query finds its series (unless pending)', async () => {
    for (const { file, json } of dashboards) {
      for (const v of (json.templating.list as Json[]).filter((x) => x.type === 'query')) {
        const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(v.query.query);
        assert.ok(m, `${file} $${v.name}: ${v.query.query}`);
        const r = await prom.series(m[1] as string);
        assert.equal(r.status, 'success', r.error);
        if (pending(m[1] as string).length > 0) continue;
        const values = new Set((r.data ?? []).map((s) => s[m[2] as string]));
        const expected = m[2] === 'responder' ? ['test/alice'] : ['acme', 'globex'];
        assert.ok(
          expected.every((x) => values.has(x)),
          `${file} $${v.name}: ${[...values]}`,
        );
      }
    }
  });

  it('every alert rule parses, and its expression without the threshold returns data (unless pending)', async () => {
    const problems: string[] = [];
    for (const q of ruleQueries()) {
      const r = await prom.query(q.expr);
      if (r.status !== 'success') problems.push(`${q.where}: ${r.errorType}: ${r.error}`);
      if (pending(q.expr).length > 0) continue;
      const d = await prom.query(q.dataExpr as string);
      if ((d.data?.result.length ?? 0) === 0) problems.push(`${q.where}: no data for ${q.dataExpr}`);
    }
    assert.deepEqual(problems, []);
  });

  it('rules that should fire on this scenario do, and the healthy ones stay quiet', async () => {
    const value = async (expr: string) => (await prom.query(expr)).data?.result.length ?? 0;
    const rule = (name: string) => ruleQueries().find((q) => q.where === `rule ${name}`)?.expr as string;
    assert.ok((await value(rule('SwitchboardConfigRejected'))) > 0, 'a config was rejected in the last 15 minutes');
    for (const quiet of [
      'SwitchboardRouterDown',
      'SwitchboardRouterAbsent',
      'SwitchboardNatsDisconnected',
      'SwitchboardConsumerLag',
      'SwitchboardIngestUnavailable',
    ])
      assert.equal(await value(rule(quiet)), 0, `${quiet} fires on a healthy router`);
  });
});
