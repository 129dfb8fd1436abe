// Suppression end to end (docs/suppression.md), against a real nats-server and the router as its own process,
// observing pages on a webhook receiver (test/fixtures/suppression): a muted alert is recorded (incident,
// `alert.suppressed` on its timeline, switchboard_alerts_suppressed_total) but pages nobody, and pages when
// its muting ends while it still fires: a maintenance window's end, a silence expired, an inhibiting source
// resolved. Silences and inhibition survive a router restart (kill -9). A resolve while muted resolves the
// incident and nothing pages. A storm of 5,000 alerts at one tenant pages its storm incident once while
// another tenant's alert pages as usual.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RouterProcess } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';
import { type FakeServer, fakeServer } from '../unit/notify/fake-server.ts';

const RUN = Date.now().toString(36);
/** The maintenance window ends this long after the router starts. */
const WINDOW_MS = 12_000;

let nats: NatsServer;
let router: RouterProcess;
let hook: FakeServer;
let windowEnd: number;

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  nats = await NatsServer.start();
  hook = await fakeServer(() => ({ status: 200, body: { ok: true } }));
  const dir = mkdtempSync(join(tmpdir(), 'sb-suppression-'));
  const now = Date.now();
  windowEnd = Math.ceil((now + WINDOW_MS) / 1000) * 1000;
  const text = readFileSync(join(ROOT, 'test/fixtures/suppression/config.yaml'), 'utf8')
    .replaceAll('HOOK_A_URL', `${hook.url}/a`)
    .replaceAll('WINDOW_START', isoSeconds(now - 60_000))
    .replaceAll('WINDOW_END', isoSeconds(windowEnd));
  writeFileSync(join(dir, 'config.yaml'), text);
  router = await RouterProcess.start(nats.url, dir, [], {
    SWITCHBOARD_SIGNING_KEY: 'suppression-test-key-0123456789abcdef',
  });
});

after(async () => {
  await router?.kill();
  await hook?.close();
  await nats?.close();
});

const summaryOf = (name: string, instance: string) => `${RUN} ${name} on ${instance}`;

async function send(
  tenant: 'acme' | 'globex' | 'stormy' | 'paused',
  name: string,
  instance = 'n1',
  status: 'firing' | 'resolved' = 'firing',
): Promise<void> {
  const res = await api(router.url, `${tenant}-token`).post('/api/v1/alerts', [
    {
      fingerprint: `${RUN}-${name}-${instance}`,
      summary: summaryOf(name, instance),
      severity: 'critical',
      status,
      labels: { alertname: name, instance },
    },
  ]);
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

/** Pages the receiver got for an incident titled `summary`. */
const pages = (summary: string) =>
  hook.requests.filter((r) => r.method === 'POST' && JSON.parse(r.body).incident?.summary === summary);

const waitForPage = (summary: string, timeoutMs = 10_000) =>
  waitFor(`a page for ${summary}`, async () => (pages(summary).length > 0 ? true : undefined), timeoutMs);

interface Incident {
  id: string;
  title: string;
  status: string;
  pagingSince: string | null;
}

/** The incident titled `summary`, once it exists (and `ok` holds for it). */
async function incidentOf(summary: string, ok: (i: Incident) => boolean = () => true): Promise<Incident> {
  return waitFor(
    `incident ${summary}`,
    async () => {
      const r = await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?limit=500');
      const i = (r.body.incidents as Incident[] | undefined)?.find((x) => x.title === summary);
      return i && ok(i) ? i : undefined;
    },
    10_000,
  );
}

async function timeline(id: string): Promise<{ type: string; reason?: string; text?: string }[]> {
  return (await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${id}`)).body.timeline;
}

async function suppressedCount(tenant: string, reason: string): Promise<number> {
  const text = await (await fetch(`${router.url}/metrics`)).text();
  const m = new RegExp(`switchboard_alerts_suppressed_total\\{tenant="${tenant}",reason="${reason}"\\} (\\d+)`).exec(
    text,
  );
  return m ? Number(m[1]) : 0;
}

/** Asserts that nothing pages for `summary` during `ms`. */
async function staysQuiet(summary: string, ms = 2_000): Promise<void> {
  await sleep(ms);
  assert.equal(pages(summary).length, 0, `${summary} paged while muted`);
}

describe('suppression', () => {
  it('a maintenance window: the alert is recorded, shown and counted, and pages when the window ends', async () => {
    const summary = summaryOf('Maint', 'n1');
    await send('acme', 'Maint');
    const i = await incidentOf(summary);
    assert.equal(i.pagingSince, null);
    const events = await waitFor('alert.suppressed', async () => {
      const t = await timeline(i.id);
      return t.some((e) => e.type === 'alert.suppressed') ? t : undefined;
    });
    const s = events.find((e) => e.type === 'alert.suppressed');
    assert.equal(s?.reason, 'maintenance');
    assert.match(s?.text ?? '', /planned reboot/);
    assert.equal(await suppressedCount('acme', 'maintenance'), 1);
    assert.ok(Date.now() < windowEnd - 1_000, 'the test reached here before the window ended');
    await staysQuiet(summary, Math.min(2_000, windowEnd - Date.now() - 500));
    await waitForPage(summary, windowEnd - Date.now() + 8_000);
    const pagedAt = Date.now();
    console.log(`maintenance: paged ${pagedAt - windowEnd} ms after the window ended`);
    assert.ok(pagedAt >= windowEnd - 250, 'not before the window ended');
    const after = await incidentOf(summary, (x) => x.pagingSince !== null);
    assert.ok(Date.parse(after.pagingSince as string) >= windowEnd - 250);
    assert.ok((await timeline(i.id)).some((e) => e.type === 'incident.paging'));
    assert.equal(await suppressedCount('acme', 'maintenance'), 1, 'the re-check did not count it again');
  });

  let silenceId: string;
  it('a silence is tenant-scoped and survives a router restart; expiring it pages the alert still firing', async () => {
    // Silences are managed with the tenants' responder tokens.
    const acme = api(router.url, 'acme-responder-token');
    const globex = api(router.url, 'globex-responder-token');
    const created = await acme.post('/api/v1/silences', {
      matchers: ['alertname="Silenced"'],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'jane',
      comment: 'disk swap',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    silenceId = created.body.id;
    assert.deepEqual((await globex.get('/api/v1/silences')).body.silences, []);
    assert.equal((await globex.call('DELETE', `/api/v1/silences/${silenceId}`)).status, 404);

    await router.kill();
    await router.spawn();
    const listed = await acme.get('/api/v1/silences?state=active');
    assert.deepEqual(
      listed.body.silences.map((s: { id: string }) => s.id),
      [silenceId],
    );

    const summary = summaryOf('Silenced', 'n1');
    await send('acme', 'Silenced');
    // The same alert name at another tenant is not silenced.
    await send('globex', 'Silenced', 'g1');
    const i = await incidentOf(summary);
    await waitForPage(summaryOf('Silenced', 'g1'));
    await staysQuiet(summary);
    assert.equal(i.pagingSince, null);
    assert.equal((await timeline(i.id)).find((e) => e.type === 'alert.suppressed')?.reason, 'silence');
    assert.equal(await suppressedCount('acme', 'silence'), 1);
    assert.equal(
      hook.requests.filter((r) => r.method === 'POST' && JSON.parse(r.body).tenant?.name === 'globex').length,
      1,
      "globex's alert paged",
    );

    assert.equal((await acme.call('DELETE', `/api/v1/silences/${silenceId}`)).status, 200);
    await waitForPage(summary);
    assert.equal(pages(summary).length, 1);
  });

  it('inhibition after a restart: the source fires, the router restarts, the target is muted until the source resolves', async () => {
    const source = summaryOf('NodeDown', 'n7');
    const target = summaryOf('ServiceDown', 'n7');
    const other = summaryOf('ServiceDown', 'n8');
    await send('acme', 'NodeDown', 'n7');
    await waitForPage(source);

    await router.kill();
    await router.spawn();
    await send('acme', 'ServiceDown', 'n7');
    await send('acme', 'ServiceDown', 'n8');
    await waitForPage(other); // another instance: not inhibited
    const i = await incidentOf(target);
    await staysQuiet(target);
    assert.equal(i.pagingSince, null);
    const s = (await timeline(i.id)).find((e) => e.type === 'alert.suppressed');
    assert.equal(s?.reason, 'inhibited');
    assert.match(s?.text ?? '', /NodeDown on n7/);

    await send('acme', 'NodeDown', 'n7', 'resolved');
    await waitForPage(target);
    assert.equal(pages(target).length, 1);
  });

  it('a silence created while an incident pages pauses its escalation; expiring it pages the step that came due', async () => {
    const paused = api(router.url, 'paused-responder-token');
    const summary = summaryOf('Paused', 'p1');
    await send('paused', 'Paused', 'p1');
    await waitForPage(summary);
    const created = await paused.post('/api/v1/silences', {
      matchers: ['alertname="Paused"'],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'jane',
      comment: 'working on it, stop paging',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Step 2 comes due 3 s after opening, while silenced: nobody is paged.
    await sleep(4_500);
    assert.equal(pages(summary).length, 1, 'step 2 paged during the silence');
    assert.equal((await paused.call('DELETE', `/api/v1/silences/${created.body.id}`)).status, 200);
    await waitFor('step 2 after the silence', async () => pages(summary).length === 2 || undefined, 10_000);
  });

  it('resolved while muted: the incident resolves, nothing pages', async () => {
    const acme = api(router.url, 'acme-responder-token');
    const created = await acme.post('/api/v1/silences', {
      matchers: ['alertname="BriefBlip"'],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'jane',
      comment: 'known noise',
    });
    assert.equal(created.status, 201);
    const summary = summaryOf('BriefBlip', 'n1');
    await send('acme', 'BriefBlip');
    const i = await incidentOf(summary);
    assert.equal(i.pagingSince, null);
    await send('acme', 'BriefBlip', 'n1', 'resolved');
    const resolved = await incidentOf(summary, (x) => x.status === 'resolved');
    assert.equal(resolved.pagingSince, null);
    // Expiring the silence now finds nothing firing to page.
    assert.equal((await acme.call('DELETE', `/api/v1/silences/${created.body.id}`)).status, 200);
    await staysQuiet(summary);
  });

  it('flapping: pages once more when it starts flapping, then quiet until stable, then pages if still firing', async () => {
    const summary = summaryOf('Flappy', 'g1');
    const count = () => pages(summary).length;
    const resolvedNow = async () => {
      await send('globex', 'Flappy', 'g1', 'resolved');
      await incidentOf(summary, (x) => x.status === 'resolved');
    };
    await send('globex', 'Flappy', 'g1');
    await waitFor('first page', async () => (count() === 1 ? true : undefined), 10_000);
    await resolvedNow(); // the 2nd change within the window: flapping
    await sleep(20);
    await send('globex', 'Flappy', 'g1');
    await waitFor('the flapping page', async () => (count() === 2 ? true : undefined), 10_000);
    await resolvedNow();
    await sleep(20);
    await send('globex', 'Flappy', 'g1');
    const firedAt = Date.now();
    const i = await incidentOf(summary, (x) => x.status !== 'resolved');
    await sleep(1_500);
    assert.equal(count(), 2, 'quiet while flapping');
    assert.equal(i.pagingSince, null);
    assert.equal((await timeline(i.id)).find((e) => e.type === 'alert.suppressed')?.reason, 'flapping');
    await waitFor('the page once stable', async () => (count() === 3 ? true : undefined), 10_000);
    console.log(`flapping: paged ${Date.now() - firedAt} ms after the last firing (stableFor 3 s)`);
    assert.ok(Date.now() - firedAt >= 2_900);
  });

  it('a storm of 5,000 alerts at one tenant pages once; another tenant pages normally meanwhile', async () => {
    const stormy = api(router.url, 'stormy-token');
    const LIMIT = 5;
    const TOTAL = 5_000;
    const started = Date.now();
    const batch = (from: number) =>
      Array.from({ length: 100 }, (_, k) => ({
        fingerprint: `${RUN}-storm-${from + k}`,
        summary: `${RUN} HostDown on h${from + k}`,
        severity: 'critical',
        labels: { alertname: 'HostDown', instance: `h${from + k}` },
      }));
    for (let from = 0; from < TOTAL; from += 100) {
      const r = await stormy.post('/api/v1/alerts', batch(from));
      assert.equal(r.status, 202, JSON.stringify(r.body));
      if (from === 1_000) await send('globex', 'DuringStorm', 'g9');
    }
    const accepted = Date.now();
    await waitForPage(summaryOf('DuringStorm', 'g9'), 30_000);
    const globexPaged = Date.now();
    await waitFor(
      'every storm alert applied',
      async () => ((await suppressedCount('stormy', 'storm')) >= TOTAL - LIMIT ? true : undefined),
      120_000,
    );
    const applied = Date.now();
    await sleep(2_000);
    const stormyPages = hook.requests.filter(
      (r) => r.method === 'POST' && JSON.parse(r.body).tenant?.name === 'stormy',
    );
    const titles = stormyPages.map((r) => JSON.parse(r.body).incident.summary as string);
    console.log(
      `storm: ${TOTAL} alerts accepted in ${accepted - started} ms, applied after ${applied - started} ms; ` +
        `globex paged ${globexPaged - accepted} ms after the last storm request; stormy pages: ${titles.length}`,
    );
    // Up to the limit, new incidents page one by one; the one over it starts the storm, whose incident pages once.
    assert.equal(titles.filter((t) => t.startsWith('Alert storm')).length, 1, titles.join('\n'));
    assert.equal(titles.filter((t) => !t.startsWith('Alert storm')).length, LIMIT, titles.join('\n'));
    assert.equal(await suppressedCount('stormy', 'storm'), TOTAL - LIMIT, 'each swallowed alert counted once');
    assert.equal(await suppressedCount('globex', 'storm'), 0);
    assert.equal(pages(summaryOf('DuringStorm', 'g9')).length, 1);

    // The alerts are recorded, attached to the storm incident.
    const stormPage = stormyPages.find((r) => JSON.parse(r.body).incident.summary.startsWith('Alert storm'));
    const storm = { id: JSON.parse(stormPage?.body ?? '{}').incident.id as string };
    const last = await incidentOf(`${RUN} HostDown on h${TOTAL - 1}`);
    assert.equal(last.pagingSince, null);
    assert.equal((last as Incident & { stormIncidentId?: string }).stormIncidentId, storm.id);
    assert.equal((await timeline(last.id)).find((e) => e.type === 'alert.suppressed')?.reason, 'storm');
  });
});
