// One NATS connection for the process: reconnects forever, and tells whether it is connected now.
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
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
  const nc = await firstConnect(
    {
      ...options,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      reconnectJitter: 250,
      pingInterval: 10_000,
      // Capturing a stack trace for every request costs ~15% of the router's CPU under load.
      noAsyncTraces: true,
    },
    summary,
    log,
  );
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

/**
 * The first connection: waits (retrying every second) while no server answers, as a NATS starting beside
 * the router; gives up at once, explained, when one refuses the credentials or the TLS handshake fails —
 * retrying cannot fix those (nats.js's waitOnFirstConnect would retry them forever).
 */
async function firstConnect(
  options: ConnectionOptions,
  summary: NatsConnectSettings['summary'],
  log: Logger,
): Promise<NatsConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({ ...options, timeout: 5_000 });
    } catch (e) {
      const explained = explainConnectError(e as Error, summary);
      if (explained !== e) throw explained;
      if (attempt === 1 || attempt % 30 === 0)
        log.warn({ servers: summary.servers, err: (e as Error).message }, 'NATS not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
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
