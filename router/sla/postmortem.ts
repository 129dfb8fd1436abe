// The postmortem draft of an incident: Markdown from a handlebars template (postmortem-template.ts), filled
// from the incident, its SLA status (breaches.ts) and its audit trail (the events stream). Pure: the API
// passes the timeline in.
import Handlebars from 'handlebars';
import type { ServiceLevelConfig } from '../config/compiled.ts';
import type { NotificationEvent } from '../escalation/events.ts';
import type { Incident, IncidentEvent } from '../incidents/model.ts';
import { type Outcome, slaStatus } from './breaches.ts';
import { POSTMORTEM_TEMPLATE } from './postmortem-template.ts';
import { humanDuration } from './report.ts';

const hb = Handlebars.create();
const template = hb.compile(POSTMORTEM_TEMPLATE, { noEscape: true, strict: false });

export interface PostmortemInput {
  incident: Incident;
  tenantName: string;
  level: ServiceLevelConfig | undefined;
  timeline: (IncidentEvent | NotificationEvent)[];
  alertCount: number;
  now: number;
}

/** One line for a Markdown table cell: no line breaks, pipes escaped. */
const cell = (s: unknown) =>
  String(s ?? '')
    .replace(/\r?\n|\r/g, ' ')
    .replace(/\|/g, '\\|');

/** What an event of the audit trail says, in blameless words. */
export function describeEvent(e: IncidentEvent | NotificationEvent): string {
  if ('key' in e) {
    const who = e.target.split('/').slice(-1)[0] ?? e.target;
    const via = e.destination ? ` via ${e.destination}` : '';
    if (e.type === 'notification.sent') return `Notified ${who}${via} (escalation step ${e.step + 1})`;
    if (e.type === 'notification.failed')
      return `Notification to ${who}${via} could not be delivered${e.error ? `: ${e.error}` : ''}`;
    return `Escalation problem (${e.rule}) for ${who}${e.error ? `: ${e.error}` : ''}`;
  }
  const by = e.by ? ` by ${e.by}` : '';
  const alert = e.summary ? `"${e.summary}"` : (e.fingerprint ?? 'an alert');
  switch (e.type) {
    case 'incident.opened':
      return `Incident opened${e.severity ? ` (${e.severity})` : ''}${e.summary ? `: ${e.summary}` : ''}`;
    case 'alert.firing':
      return `Alert firing: ${alert}${e.source ? ` (${e.source})` : ''}`;
    case 'alert.resolved':
      return `Alert resolved: ${alert}`;
    case 'alert.suppressed':
      return `Alert recorded without paging (${e.reason ?? 'suppressed'}): ${alert}`;
    case 'incident.paging':
      return 'Paging started';
    case 'incident.acknowledged':
      return `Acknowledged${by}`;
    case 'incident.resolved':
      return `Resolved${by}`;
    case 'incident.severity_changed':
      return `Severity changed from ${e.previousSeverity ?? '?'} to ${e.severity ?? '?'}`;
    case 'incident.note': {
      const status = e.publicStatus ? ` [${e.publicStatus}]` : '';
      return `${e.visibility === 'customer' ? 'Customer update' : 'Internal note'}${status}${by}: ${e.text ?? ''}`;
    }
    default:
      return (e as { type: string }).type;
  }
}

function outcome(o: Outcome, deadline: string | null, breachSeconds: number | undefined): string {
  if (o === 'no_target') return 'no target for this severity';
  if (o === 'breached') return `missed (due ${deadline}, over by ${humanDuration(breachSeconds ?? null)})`;
  if (o === 'pending') return `pending (due ${deadline})`;
  return `met (due ${deadline})`;
}

export function renderPostmortem(p: PostmortemInput): string {
  const i = p.incident;
  const s = slaStatus(i, p.level, p.now);
  const sec = (ms: number | null) => (ms === null ? null : ms / 1000);
  const overrun = (kind: string) => {
    const b = s.breaches.find((x) => x.kind === kind);
    return b ? b.overrunMs / 1000 : undefined;
  };
  const end = i.resolvedAt ? Date.parse(i.resolvedAt) : p.now;
  const timeline = [...p.timeline]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map((e) => ({ at: cell(e.at), text: cell(describeEvent(e)) }));
  return template({
    id: cell(i.id),
    title: cell(i.title),
    tenant: cell(i.tenant),
    tenantName: cell(p.tenantName),
    severity: i.severity,
    status: i.status,
    startsAt: i.startsAt,
    openedAt: i.openedAt,
    acknowledgedAt: i.acknowledgedAt,
    resolvedAt: i.resolvedAt,
    generatedAt: new Date(p.now).toISOString(),
    duration: `${humanDuration((end - Date.parse(i.openedAt)) / 1000)}${i.resolvedAt ? '' : ' so far'}`,
    detection: humanDuration(sec(s.detectionMs)),
    response: humanDuration(sec(s.responseMs)),
    resolution: humanDuration(sec(s.resolutionMs)),
    respondOutcome: outcome(s.respond, s.respondBy, overrun('respond')),
    resolveOutcome: outcome(s.resolve, s.resolveBy, overrun('resolve')),
    alertCount: p.alertCount,
    timeline,
  });
}
