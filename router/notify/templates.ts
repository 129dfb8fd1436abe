// Message bodies from handlebars templates: a default per medium, replaced by a channel's `template`.
//
// Escaping is per medium and done on the VALUES before rendering (templates compile with noEscape), so
// `{{x}}` and `{{{x}}}` give the same, correct result everywhere: Slack mrkdwn escapes & < >, HTML e-mail
// escapes HTML, SMS, voice, tickets, Teams text and webhooks get the text as it is (JSON and XML encoding
// happen later, where the body is put into JSON or TwiML). A user who wrote `{{x}}` for a plain-text
// channel therefore never sends `&amp;` to a phone. The template text itself is the MSP's and is trusted.
// A template that fails at run time (an unknown helper) falls back to the default: the page must go out.
import Handlebars from 'handlebars';
import type { MessageContext } from './types.ts';

export type Medium = 'slack' | 'teams' | 'email-text' | 'email-html' | 'sms' | 'voice' | 'ticket' | 'webhook';

const hb = Handlebars.create();
hb.registerHelper('upper', (s: unknown) => String(s ?? '').toUpperCase());

const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const HTML_ESCAPES: Record<string, string> = { ...SLACK_ESCAPES, '"': '&quot;', "'": '&#39;' };

export const escapeSlack = (s: string) => s.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c] ?? c);
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
export const escapeXml = escapeHtml;

const ESCAPERS: Record<Medium, (s: string) => string> = {
  slack: escapeSlack,
  'email-html': escapeHtml,
  teams: (s) => s,
  'email-text': (s) => s,
  sms: (s) => s,
  voice: (s) => s,
  ticket: (s) => s,
  webhook: (s) => s,
};

const PLAIN_PAGE = `[{{upper incident.severity}}] {{tenant.displayName}}: {{incident.summary}}
{{#if incident.respondBy}}Respond by {{incident.respondBy}}.
{{/if}}Acknowledge: {{ackUrl}}`;

export const DEFAULT_TEMPLATES: Record<Medium, string> = {
  slack: `:rotating_light: *{{tenant.displayName}}* · *{{upper incident.severity}}*: {{incident.summary}}
{{#if incident.respondBy}}Respond by *{{incident.respondBy}}* · {{/if}}<{{ackUrl}}|Acknowledge>`,
  teams: `**{{tenant.displayName}}** · **{{upper incident.severity}}**: {{incident.summary}}`,
  'email-text': `{{#if recipient.displayName}}Hello {{recipient.displayName}},

{{/if}}{{tenant.displayName}} has a {{incident.severity}} incident:

  {{incident.summary}}

Opened:     {{incident.openedAt}}
{{#if incident.respondBy}}Respond by: {{incident.respondBy}} (SLA)
{{else}}Respond by: no SLA response target for this severity
{{/if}}Escalation: step {{escalation.step}}, round {{escalation.round}}

Acknowledge with one click (no login needed):
{{ackUrl}}

-- Switchboard, incident {{incident.id}}`,
  'email-html': `<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;margin:0;padding:16px">
<p style="margin:0 0 4px;font-size:13px;color:#59636e">{{tenant.displayName}} · <strong style="color:#b42318">{{upper incident.severity}}</strong></p>
<h1 style="font-size:20px;margin:0 0 12px">{{incident.summary}}</h1>
<table style="border-collapse:collapse;font-size:14px;margin:0 0 16px">
<tr><td style="padding:2px 12px 2px 0;color:#59636e">Opened</td><td>{{incident.openedAt}}</td></tr>
<tr><td style="padding:2px 12px 2px 0;color:#59636e">Respond by</td><td>{{#if incident.respondBy}}<strong>{{incident.respondBy}}</strong> (SLA){{else}}no SLA response target{{/if}}</td></tr>
<tr><td style="padding:2px 12px 2px 0;color:#59636e">Escalation</td><td>step {{escalation.step}}, round {{escalation.round}}</td></tr>
</table>
<p><a href="{{ackUrl}}" style="display:inline-block;background:#1f6feb;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600">Acknowledge</a></p>
<p style="font-size:12px;color:#59636e">Incident {{incident.id}} · the button opens a confirmation page; no login needed.</p>
</body></html>`,
  sms: PLAIN_PAGE,
  voice: `Switchboard alert for {{tenant.displayName}}. Severity {{incident.severity}}. {{incident.summary}}. {{#if incident.respondBy}}Please respond by {{incident.respondBy}}. {{/if}}Acknowledge with the link in your text message or e-mail.`,
  ticket: `[{{upper incident.severity}}] {{tenant.displayName}}: {{incident.summary}}

Opened: {{incident.openedAt}}
{{#if incident.respondBy}}SLA respond by: {{incident.respondBy}}
{{/if}}Switchboard incident: {{incident.id}}
Acknowledge: {{ackUrl}}`,
  webhook: PLAIN_PAGE,
};

const REMINDER = `Customer update due by {{updateDue}}: {{tenant.displayName}} · {{upper incident.severity}} · {{incident.summary}}
Post a customer-visible note on incident {{incident.id}} (it goes to the status page).`;

/** Customer-update reminders: the same text everywhere (a channel's template is for pages). */
export const REMINDER_TEMPLATES: Record<Medium, string> = {
  slack: `:memo: *Customer update due by {{updateDue}}* · {{tenant.displayName}} · *{{upper incident.severity}}*: {{incident.summary}}
Post a customer-visible note on incident \`{{incident.id}}\` (it goes to the status page).`,
  teams: REMINDER,
  'email-text': REMINDER,
  'email-html': `<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;margin:0;padding:16px">
<p style="margin:0 0 4px;font-size:13px;color:#59636e">{{tenant.displayName}} · <strong>{{upper incident.severity}}</strong></p>
<h1 style="font-size:20px;margin:0 0 12px">Customer update due by {{updateDue}}</h1>
<p>{{incident.summary}}</p>
<p>Post a customer-visible note on incident {{incident.id}}: it goes to the status page.</p>
</body></html>`,
  sms: REMINDER,
  voice: `Switchboard reminder for {{tenant.displayName}}. A customer update is due by {{updateDue}} for {{incident.summary}}.`,
  ticket: REMINDER,
  webhook: REMINDER,
};

const compiled = new Map<string, HandlebarsTemplateDelegate>();
function compile(template: string): HandlebarsTemplateDelegate {
  let t = compiled.get(template);
  if (!t) {
    t = hb.compile(template, { noEscape: true, strict: false });
    if (compiled.size > 500) compiled.clear();
    compiled.set(template, t);
  }
  return t;
}

function escapeValues<T>(value: T, escapeOne: (s: string) => string): T {
  if (typeof value === 'string') return escapeOne(value) as T;
  if (Array.isArray(value)) return value.map((v) => escapeValues(v, escapeOne)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeValues(v, escapeOne)])) as T;
  }
  return value;
}

/** The context with every string escaped for `medium`. */
export function contextFor(medium: Medium, context: MessageContext): MessageContext {
  return escapeValues(context, ESCAPERS[medium]);
}

/** The body for `medium`: the override if given and it renders, else the default. */
export function render(medium: Medium, context: MessageContext, override: string | null = null): string {
  const values = contextFor(medium, context);
  if (context.updateDue) return compile(REMINDER_TEMPLATES[medium])(values).trim();
  if (override !== null) {
    try {
      return compile(override)(values).trim();
    } catch {
      // Falls through to the default: see the file comment.
    }
  }
  return compile(DEFAULT_TEMPLATES[medium])(values).trim();
}

/** A one-line title, for e-mail subjects, cards and tickets. */
export function title(context: MessageContext): string {
  const due = context.updateDue ? `Customer update due by ${context.updateDue}: ` : '';
  const s = `${due}[${context.incident.severity.toUpperCase()}] ${context.tenant.displayName}: ${context.incident.summary}`;
  return s.replace(/[\r\n]+/g, ' ').slice(0, 250);
}

/**
 * An e-mail's two parts. With a channel template the template is the plain-text body and the HTML part is
 * the same text, HTML-escaped, in a pre-wrapped block (so both parts say the same).
 */
export function renderEmail(context: MessageContext, override: string | null): { text: string; html: string } {
  const text = render('email-text', context, override);
  if (override === null || context.updateDue) return { text, html: render('email-html', context) };
  const html = `<!doctype html><html><body><div style="font-family:monospace;white-space:pre-wrap">${render(
    'email-html',
    context,
    override,
  )}</div></body></html>`;
  return { text, html };
}
