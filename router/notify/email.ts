// E-mail over SMTP (nodemailer): a multipart/alternative message with a plain-text and an HTML part.
// The SMTP server and sender are router settings (SWITCHBOARD_SMTP_URL, SWITCHBOARD_SMTP_FROM).
// SMTP answers classify like HTTP ones: 4yz replies are transient (retry), 5yz permanent (do not), and
// connection problems are transient; authentication failures are permanent (fix the settings).
import type { Transporter } from 'nodemailer';
import { renderEmail, title } from './templates.ts';
import type { Adapter, DestinationOf, SendResult } from './types.ts';

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message: string;
}

const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'ECONNREFUSED',
  'ECONNRESET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
]);

export function classifySmtpError(e: SmtpError): SendResult {
  const recoverable =
    e.responseCode !== undefined
      ? e.responseCode >= 400 && e.responseCode < 500
      : e.code !== 'EAUTH' && e.code !== 'EENVELOPE' && (e.code === undefined || TRANSIENT_CODES.has(e.code));
  return { ok: false, recoverable, error: `SMTP: ${e.response ?? e.message}` };
}

export function emailAdapter(opts: {
  smtpUrl: string | null;
  from: string;
  timeoutMs: number;
}): Adapter<DestinationOf<'email'>> & { close(): void } {
  // nodemailer is loaded with the first e-mail: a router that sends none is ~5 MiB smaller without it.
  let transport: Promise<Transporter> | null = null;
  const transporter = (url: string) => {
    transport ??= import('nodemailer').then((m) =>
      m.default.createTransport({
        url,
        connectionTimeout: opts.timeoutMs,
        greetingTimeout: opts.timeoutMs,
        socketTimeout: opts.timeoutMs,
      }),
    );
    return transport;
  };
  return {
    async send(m) {
      if (!opts.smtpUrl)
        return { ok: false, recoverable: false, error: 'e-mail needs SWITCHBOARD_SMTP_URL on the router' };
      const { text, html } = renderEmail(m.context, m.template);
      try {
        const info = await (await transporter(opts.smtpUrl)).sendMail({
          from: opts.from,
          to: m.destination.to,
          subject: title(m.context),
          text,
          html,
          // Threads every message of one incident together in mail clients.
          headers: { 'X-Switchboard-Incident': m.context.incident.id, 'X-Switchboard-Delivery': m.deliveryId },
          references: [`<${m.context.incident.id}@switchboard>`],
        });
        return { ok: true, ref: String(info.messageId ?? '') };
      } catch (e) {
        return classifySmtpError(e as SmtpError);
      }
    },
    close() {
      void transport?.then((t) => t.close());
      transport = null;
    },
  };
}
