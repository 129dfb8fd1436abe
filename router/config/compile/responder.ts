import type { ResponderConfig } from '../compiled.ts';
import type { ResponderSpec } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';
import { duration, timeZone } from './values.ts';

/** The contact field each medium needs. */
export const CONTACT_FOR_VIA = {
  email: 'email',
  sms: 'phone',
  voice: 'phone',
  slack: 'slackUserId',
  teams: 'teamsUserId',
  webhook: 'webhookUrl',
} as const;

export function compileResponder(ctx: CompileContext, r: Checked<ResponderSpec>): ResponderConfig {
  const s = r.spec;
  s.rules.forEach((rule, i) => {
    const needed = CONTACT_FOR_VIA[rule.via];
    if (!s.contact[needed]) {
      ctx.error(r, `spec.rules[${i}].via`, `${rule.via} needs spec.contact.${needed}`);
    }
  });
  return {
    key: r.key,
    name: r.name,
    displayName: s.displayName,
    timezone: s.timezone ? timeZone(ctx, r, 'spec.timezone', s.timezone) : null,
    contact: { ...s.contact },
    rules: s.rules
      .map((rule) => ({ afterMs: duration(rule.after), via: rule.via }))
      .sort((a, b) => a.afterMs - b.afterMs),
  };
}

/** A responder can be paged when at least one of their rules has the contact it needs. */
export function canPageResponder(r: ResponderConfig): boolean {
  return r.rules.some((rule) => Boolean(r.contact[CONTACT_FOR_VIA[rule.via]]));
}
