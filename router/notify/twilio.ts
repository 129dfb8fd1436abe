// SMS and voice calls through Twilio's REST API (2010-04-01): form-encoded POSTs to the account's
// Messages.json (To, From, Body) and Calls.json (To, From, Twiml), with HTTP basic auth AccountSid:AuthToken.
// Twilio answers 201 with the resource's sid. Its 4xx answers (invalid number, unverified caller id,
// geo permissions) are configuration problems: not retried.
import { basicAuth, failure, isAnswer, parseJson, request } from './http.ts';
import type { NotifySettings } from './settings.ts';
import { escapeXml, render } from './templates.ts';
import type { Adapter, DestinationOf, Message, SendResult } from './types.ts';

/** Twilio's limit for one message body (it splits it into segments itself). */
const MAX_SMS = 1600;

/** TwiML that reads the message twice (a pause between), so a sleepy engineer catches it. */
export function voiceTwiml(m: Message): string {
  const text = escapeXml(render('voice', m.context, null));
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${text}</Say><Pause length="1"/><Say>${text}</Say></Response>`;
}

type TwilioSettings = NonNullable<NotifySettings['twilio']>;

async function post(
  twilio: TwilioSettings | null,
  resource: 'Messages' | 'Calls',
  fields: Record<string, string>,
  timeoutMs: number,
  deliveryId: string,
): Promise<SendResult> {
  if (!twilio) {
    return {
      ok: false,
      recoverable: false,
      error:
        'SMS and voice need SWITCHBOARD_TWILIO_ACCOUNT_SID, SWITCHBOARD_TWILIO_AUTH_TOKEN and SWITCHBOARD_TWILIO_FROM',
    };
  }
  const url = `${twilio.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(twilio.accountSid)}/${resource}.json`;
  const a = await request(url, {
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: basicAuth(twilio.accountSid, twilio.authToken),
      Accept: 'application/json',
      'X-Switchboard-Delivery': deliveryId,
    },
    body: new URLSearchParams({ ...fields, From: twilio.from }).toString(),
    timeoutMs,
  });
  if (!isAnswer(a)) return a;
  if (a.status < 200 || a.status >= 300) return failure('Twilio', a);
  const parsed = parseJson('Twilio', a);
  if (!('value' in parsed)) return parsed;
  const sid = (parsed.value as { sid?: unknown }).sid;
  return { ok: true, ...(typeof sid === 'string' ? { ref: sid } : {}) };
}

export function smsAdapter(opts: { twilio: TwilioSettings | null; timeoutMs: number }): Adapter<DestinationOf<'sms'>> {
  return {
    send: (m) =>
      post(
        opts.twilio,
        'Messages',
        { To: m.destination.to, Body: render('sms', m.context, m.template).slice(0, MAX_SMS) },
        opts.timeoutMs,
        m.deliveryId,
      ),
  };
}

export function voiceAdapter(opts: {
  twilio: TwilioSettings | null;
  timeoutMs: number;
}): Adapter<DestinationOf<'voice'>> {
  return {
    send: (m) =>
      post(opts.twilio, 'Calls', { To: m.destination.to, Twiml: voiceTwiml(m) }, opts.timeoutMs, m.deliveryId),
  };
}
