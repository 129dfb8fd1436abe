// The HTML SLA report and the status page in headless Chromium (Debian's, installed by scripts/tools.sh), after
// the month scenario of test/harness/sla-month.ts: no console errors (CSP violations included), no failed
// requests, no request leaving the router's origin; charts laid out, summary above the detail, printable.
// Screenshots go to a temporary folder, or with UPDATE_SCREENSHOTS=1 to docs/img/ (the docs' example images).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { ADMIN_TOKEN, copyConfig, startTestRouter } from '../harness/router.ts';
import { MONTH, MonthDriver } from '../harness/sla-month.ts';
import { ROOT, toolPath } from '../harness/tools.ts';

const shots =
  process.env['UPDATE_SCREENSHOTS'] === '1' ? join(ROOT, 'docs/img') : mkdtempSync(join(tmpdir(), 'sb-shots-'));
let now = Date.parse('2026-02-01T00:00:00Z');
let nats: NatsServer;
let router: RunningRouter;
let browser: Browser;

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, {
    configDir: copyConfig(join(ROOT, 'test/fixtures/sla-month')),
    clock: () => now,
  });
  await new MonthDriver(
    () => router.url,
    (ms) => {
      now = ms;
    },
  ).run();
  browser = await chromium.launch({
    executablePath: toolPath('chromium'),
    // Chromium's sandbox needs user namespaces, which a root shell in a container does not have.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  mkdirSync(shots, { recursive: true });
});
after(async () => {
  await browser?.close();
  await router?.stop();
  await nats?.close();
});

/** Opens `path` of the router in a fresh page and records everything that should not happen. */
async function visit(path: string, headers: Record<string, string> = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, extraHTTPHeaders: headers });
  const page = await context.newPage();
  const origin = new URL(router.url).origin;
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => requests.push(r.url()));
  const res = await page.goto(`${router.url}${path}`, { waitUntil: 'load' });
  assert.equal(res?.status(), 200);
  return {
    page,
    done: async () => {
      assert.deepEqual(problems, []);
      const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
      assert.deepEqual(foreign, []);
      await context.close();
    },
  };
}

async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox();
  assert.ok(b, selector);
  return b;
}

describe('in Chromium', () => {
  it('the SLA report: executive summary, charts, detail; printable', async () => {
    const { page, done } = await visit(
      `/api/v1/reports/sla?tenant=acme&from=${MONTH.from}&to=${MONTH.to}&format=html`,
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    assert.match(await page.title(), /SLA report Acme GmbH/);
    const summary = await box(page, '#executive-summary');
    const detail = await box(page, '#technical-detail');
    assert.ok(summary.y < detail.y);
    const charts = page.locator('#executive-summary svg');
    assert.equal(await charts.count(), 4);
    for (let i = 0; i < 4; i++) {
      const b = await charts.nth(i).boundingBox();
      assert.ok(b && b.width > 200 && b.height > 50, `chart ${i}`);
    }
    assert.equal(await page.locator('.kpi').count(), 8);
    assert.equal((await page.locator('.light.red').count()) > 0, true);
    assert.equal((await page.locator('#technical-detail tbody tr').count()) > 20, true);
    const file = join(shots, 'sla-report.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 20_000);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    await done();
  });

  it('the status page: an outage on web, uptime bars with the maintenance night', async () => {
    const { page, done } = await visit('/status/acme?token=acme-viewer-token');
    assert.match((await page.locator('.banner').textContent()) ?? '', /outage/);
    assert.equal(await page.locator('.bars').count(), 2);
    assert.equal(await page.locator('.bars span').count(), 180);
    assert.equal((await page.locator('.bars span.m').count()) >= 1, true);
    await page.screenshot({ path: join(shots, 'status-page.png'), fullPage: true });
    await done();
  });
});
