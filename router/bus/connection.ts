// One NATS connection for the process: reconnects forever, and tells whether it is connected now.
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { coalesceNatsWrites, patchNatsRequestCancel } from './nats-patch.ts';

export interface Bus {
  nc: NatsConnection;
  /** True while the connection is up (false during a reconnect). */
  connected(): boolean;
  close(): Promise<void>;
}

export async function connectBus(url: string, log: Logger, name = 'switchboard'): Promise<Bus> {
  patchNatsRequestCancel();
  coalesceNatsWrites();
  const nc = await connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 10_000,
    waitOnFirstConnect: true,
    // Capturing a stack trace for every request costs ~15% of the router's CPU under load.
    noAsyncTraces: true,
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
  log.info({ url }, 'connected to NATS');
  return {
    nc,
    connected: () => up && !nc.isClosed(),
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}
