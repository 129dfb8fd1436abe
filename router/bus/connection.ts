// One NATS connection for the process: reconnects forever, and tells whether it is connected now.
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type NatsConnectSettings, natsConnectSettings } from './nats-options.ts';
import { coalesceNatsWrites, patchNatsRequestCancel } from './nats-patch.ts';

export interface Bus {
  nc: NatsConnection;
  /** True while the connection is up (false during a reconnect). */
  connected(): boolean;
  close(): Promise<void>;
}

/** Thrown when NATS refuses the credentials: retrying cannot help, the settings must change. */
export class NatsAuthError extends Error {
  override readonly name = 'NatsAuthError';
}

/**
 * Connects to `target` (a URL list without credentials, or settings from router/bus/nats-options.ts).
 * Waits for a server that answers; gives up at once when a server refuses the credentials.
 */
export async function connectBus(
  target: string | NatsConnectSettings,
  log: Logger,
  name = 'switchboard',
): Promise<Bus> {
  patchNatsRequestCancel();
  coalesceNatsWrites();
  const s = typeof target === 'string' ? natsConnectSettings(target, {}, () => Buffer.alloc(0)) : target;
  const { summary, ...options } = s;
  const nc = await connect({
    ...options,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 10_000,
    waitOnFirstConnect: true,
    // Capturing a stack trace for every request costs ~15% of the router's CPU under load.
    noAsyncTraces: true,
  }).catch((e: Error & { code?: string }) => {
    throw explainConnectError(e, summary);
  });
  let up = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        up = false;
        log.warn({ server: s.server }, 'NATS disconnected; reconnecting');
      } else if (s.type === 'reconnect') {
        up = true;
        log.info({ server: s.server }, 'NATS reconnected');
      }
    }
  })();
  log.info(summary, 'connected to NATS');
  return {
    nc,
    connected: () => up && !nc.isClosed(),
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/** The connect failure, saying which setting to fix when it is one of ours (never a secret's value). */
export function explainConnectError(e: Error & { code?: string }, summary: NatsConnectSettings['summary']): Error {
  const text = `${e.code ?? ''} ${e.message}`;
  if (/AUTHORIZATION_VIOLATION|authorization violation|authentication/i.test(text)) {
    const hint =
      summary.auth === 'none'
        ? 'it requires credentials: set SWITCHBOARD_NATS_USER and SWITCHBOARD_NATS_PASSWORD, SWITCHBOARD_NATS_TOKEN, SWITCHBOARD_NATS_NKEY_SEED_FILE or SWITCHBOARD_NATS_CREDS_FILE'
        : `check the ${summary.auth} credentials (SWITCHBOARD_NATS_*) against the server's authorization config`;
    return new NatsAuthError(`NATS at ${summary.servers.join(',')} refused the connection (${e.message}): ${hint}`);
  }
  if (/tls|certificate|self.signed|SSL/i.test(text)) {
    return new Error(
      `TLS to NATS at ${summary.servers.join(',')} failed (${e.message}): check SWITCHBOARD_NATS_TLS_CA_FILE (the CA that signed the server's certificate) and SWITCHBOARD_NATS_TLS_CERT_FILE/KEY_FILE`,
    );
  }
  return e;
}
