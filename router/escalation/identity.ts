// The identity of one notification, and the notification-log key it is stored under.
//
// A notification is named by what it is, not by who sends it or when: the incident, the policy round
// (`repeat`, 0 for the first run), the step, the final recipient (`target`) and the personal rule. Every
// replica computes the same identity for the same notification, so the log can make it happen once.
// A responder reached twice in one step (directly and through a schedule) is one notification.

export interface NotificationIdentity {
  incidentId: string;
  /** Policy round: 0 is the first run, 1 the first repeat, ... */
  repeat: number;
  /** Index of the step in the policy. */
  step: number;
  /** `channel/<ns>/<name>`, `responder/<ns>/<name>`, or `schedule/<ns>/<name>` for a step error. */
  target: string;
  /**
   * The responder's rule as `<via>@<afterMs>` (stable when rules are reordered), `-` for a channel, or
   * the error kind for a step error (`nobody-on-call`, `unknown-target`).
   */
  rule: string;
}

/** KV keys allow `[-/_=.a-zA-Z0-9]` and use `.` as a separator: anything else becomes `=hh`. */
export function keyPart(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/^[-/_a-zA-Z0-9]$/.test(ch)) out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => `=${b.toString(16).padStart(2, '0')}`).join('');
  }
  return out || '=';
}

/** The notification-log key: `n.<incident>.<repeat>.<step>.<target>.<rule>`, each part escaped. */
export function notificationKey(id: NotificationIdentity): string {
  return ['n', keyPart(id.incidentId), id.repeat, id.step, keyPart(id.target), keyPart(id.rule)].join('.');
}

/** The log key of an incident's ticket in one ticket channel (one ticket per incident and channel). */
export function ticketKey(incidentId: string, channel: string): string {
  return `t.${keyPart(incidentId)}.${keyPart(channel)}`;
}

/** The log key of a ticket update for an incident state (acknowledged / resolved): sent once. */
export function ticketUpdateKey(incidentId: string, channel: string, state: string): string {
  return `u.${keyPart(incidentId)}.${keyPart(channel)}.${keyPart(state)}`;
}

export const channelTarget = (key: string) => `channel/${key}`;
export const responderTarget = (key: string) => `responder/${key}`;
export const scheduleTarget = (key: string) => `schedule/${key}`;
