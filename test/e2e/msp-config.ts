// The test copy of examples/msp for the MSP-day test: the same three tenants, policies, schedules, responders
// and channels, with
// - every duration of an escalation, a personal rule, an SLA target and flapping divided by SCALE (one minute
//   of the example is two seconds here), so a day's escalations play out in minutes of real time;
// - business hours that open at `businessStart` (a minute boundary a little after the routers start) in each
//   ServiceLevel's own time zone, for an hour, every day and without holidays: before it is night for every
//   tenant, after it business hours; the on-call schedules stay as they are (they are wall clock);
// - acme's weekly patch window made a one-off window around the start of the day, with the same matchers and
//   comment; the other two one-off windows moved a year ahead, out of the day;
// - heartbeats every day (the day is not about them: test/integration/heartbeats.test.ts);
// - globex's storm limit at 3 new incidents per minute (20 in the example), so a storm of a dozen alerts is one;
// - every notification target pointed at a local fake (test/e2e/providers.ts).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { parseDuration } from '../../router/time/duration.ts';
import { ROOT } from '../harness/tools.ts';

export const SCALE = 30;

export const TOKENS = {
  acme: 'acme-ingest-token-change-me',
  globex: 'globex-ingest-token-change-me',
  initech: 'initech-ingest-token-change-me',
  acmeViewer: 'acme-status-viewer-token-change-me',
  globexViewer: 'globex-status-viewer-token-change-me',
  acmeResponder: 'acme-responder-token-change-me',
  globexResponder: 'globex-responder-token-change-me',
} as const;

/** A duration of the example, scaled down. */
export function scaled(d: string): string {
  return `${Math.round(parseDuration(d) / SCALE)}ms`;
}

export interface DayTimes {
  /** When business hours open (a whole minute). */
  businessStart: number;
  /** acme's maintenance window. */
  maintenance: { start: number; end: number };
}

export interface Endpoints {
  slackWebhook: string;
  teamsWebhook: string;
  automation: string;
  servicenow: string;
  autotask: string;
  halopsa: string;
  push: string;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are edited field by field
type Doc = { kind: string; metadata: { name: string }; spec?: any; stringData?: Record<string, string> };

/** HH:MM of an instant in a time zone. */
function hhmm(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(at)
    .filter((p) => p.type === 'hour' || p.type === 'minute')
    .map((p) => p.value);
  return `${parts[0]}:${parts[1]}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function edit(doc: Doc, times: DayTimes, to: Endpoints): void {
  const { kind, spec } = doc;
  const name = doc.metadata.name;
  if (kind === 'EscalationPolicy') {
    for (const step of spec.steps) step.after = scaled(step.after);
    if (spec.escalateBeforeBreach) spec.escalateBeforeBreach = scaled(spec.escalateBeforeBreach);
  } else if (kind === 'Responder') {
    for (const rule of spec.rules) rule.after = scaled(rule.after);
    if (name === 'tom-baker') spec.contact.webhookUrl = `${to.push}/hooks/tom-baker`;
  } else if (kind === 'ServiceLevel') {
    for (const target of Object.values(spec.targets) as Record<string, string>[]) {
      for (const k of ['respond', 'resolve', 'firstUpdate', 'updateEvery']) {
        if (target[k]) target[k] = scaled(target[k]);
      }
    }
    const tz: string = spec.businessHours.timezone;
    const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    spec.businessHours.windows = [
      { days, from: hhmm(times.businessStart, tz), to: hhmm(times.businessStart + 3_600_000, tz) },
    ];
    delete spec.businessHours.holidays;
  } else if (kind === 'Tenant') {
    if (spec.flapping?.window) spec.flapping.window = scaled(spec.flapping.window);
    if (spec.flapping?.stableFor) spec.flapping.stableFor = scaled(spec.flapping.stableFor);
    for (const h of spec.heartbeats ?? []) h.interval = '1d';
    if (name === 'globex') spec.limits.newIncidentsPerMinute = 3;
  } else if (kind === 'MaintenanceWindow') {
    if (name === 'acme-sunday-patching') {
      delete spec.recurrence;
      spec.start = iso(times.maintenance.start);
      spec.end = iso(times.maintenance.end);
    } else {
      const year = 365 * 86_400_000;
      spec.start = iso(Date.now() + year);
      spec.end = iso(Date.now() + year + 86_400_000);
      delete spec.timezone;
    }
  } else if (kind === 'Channel') {
    if (name === 'runbook-automation') spec.webhook.url = `${to.automation}/hooks/switchboard`;
    if (name === 'msp-servicenow') spec.servicenow.instanceUrl = to.servicenow;
    if (name === 'globex-autotask') spec.autotask.baseUrl = `${to.autotask}/ATServicesRest`;
    if (name === 'initech-halopsa') spec.halopsa.baseUrl = to.halopsa;
  } else if (kind === 'Secret') {
    if (name === 'noc-slack-webhook') doc.stringData = { url: `${to.slackWebhook}/services/T0MSP/B0NOC/noc` };
    if (name === 'noc-teams-webhook') doc.stringData = { url: `${to.teamsWebhook}/workflows/berlin-desk` };
  }
}

/** Writes the test copy of examples/msp to a new folder and returns it. */
export function mspDayConfig(times: DayTimes, to: Endpoints): string {
  const from = join(ROOT, 'examples/msp');
  const dir = mkdtempSync(join(tmpdir(), 'sb-msp-day-'));
  for (const file of readdirSync(from).filter((f) => f.endsWith('.yaml'))) {
    const docs = parseAllDocuments(readFileSync(join(from, file), 'utf8'))
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null);
    for (const d of docs) edit(d, times, to);
    writeFileSync(join(dir, file), docs.map((d) => stringify(d)).join('---\n'));
  }
  return dir;
}
