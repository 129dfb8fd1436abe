// Microsoft Teams through a workflow webhook ("When a Teams webhook request is received" / "Post card
// in a chat or channel"): a message with one Adaptive Card attachment. The card shows the body, a fact
// set (tenant, severity, SLA deadline, incident) and an Acknowledge button (Action.OpenUrl). For a
// responder's `via: teams` the router's own workflow webhook posts the card mentioning them, which is what
// makes Teams notify that person.
import { send } from './http.ts';
import { render } from './templates.ts';
import type { Adapter, DestinationOf, Message } from './types.ts';

export function teamsMessage(m: Message<DestinationOf<'teams'>>) {
  const c = m.context;
  const mention = m.destination.mention;
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: `${c.tenant.displayName} · ${c.incident.severity.toUpperCase()}`,
      weight: 'Bolder',
      color: c.incident.severity === 'critical' || c.incident.severity === 'high' ? 'Attention' : 'Warning',
      wrap: true,
    },
    { type: 'TextBlock', text: render('teams', c, m.template), wrap: true },
    {
      type: 'FactSet',
      facts: [
        { title: 'Tenant', value: c.tenant.displayName },
        { title: 'Severity', value: c.incident.severity },
        { title: 'Respond by', value: c.incident.respondBy || 'no SLA target' },
        { title: 'Incident', value: c.incident.id },
      ],
    },
  ];
  if (mention) body.unshift({ type: 'TextBlock', text: `<at>${mention.name}</at>`, wrap: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: [{ type: 'Action.OpenUrl', title: 'Acknowledge', url: c.ackUrl }],
          ...(mention
            ? {
                msteams: {
                  entities: [{ type: 'mention', text: `<at>${mention.name}</at>`, mentioned: mention }],
                },
              }
            : {}),
        },
      },
    ],
  };
}

export function teamsAdapter(opts: { timeoutMs: number }): Adapter<DestinationOf<'teams'>> {
  return {
    send: (m) =>
      send('Teams', m.destination.webhookUrl, {
        headers: { 'Content-Type': 'application/json', 'X-Switchboard-Delivery': m.deliveryId },
        body: JSON.stringify(teamsMessage(m)),
        timeoutMs: opts.timeoutMs,
      }),
  };
}
