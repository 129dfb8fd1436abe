// A message as the runner builds it, for adapter tests.
import type { Destination, Message, MessageContext } from '../../../router/notify/types.ts';

export const CONTEXT: MessageContext = {
  incident: {
    id: '0mm4k2q7xa1b2c3d4e5',
    summary: 'db01: disk /var 95% full & rising <fast>',
    severity: 'critical',
    status: 'triggered',
    openedAt: '2026-03-04 11:00 CET',
    respondBy: '2026-03-04 11:15 CET',
    respondByIso: '2026-03-04T10:15:00.000Z',
  },
  tenant: { name: 'acme', displayName: 'ACME Manufacturing' },
  ackUrl: 'https://switchboard.msp.example/ack/eyJpIjoiMCJ9.c2ln',
  escalation: { round: 1, step: 1 },
  recipient: { displayName: 'Anna Becker' },
  by: '',
  updateDue: '',
};

export function message<D extends Destination>(destination: D, extra: Partial<Message<D>> = {}): Message<D> {
  return {
    destination,
    event: 'page',
    context: CONTEXT,
    template: null,
    deliveryId: 'n.inc.0.0.channel/msp/x.-',
    ticketRef: null,
    ...extra,
  };
}
