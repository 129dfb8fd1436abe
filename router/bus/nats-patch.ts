// nats.js 3.4 allocates an Error (with a captured stack trace) in RequestOne.cancel() after *every*
// completed request — each JetStream publish and KV operation — only to reject a promise that is already
// settled. Under load that is ~8% of the router's CPU plus the garbage it makes. This replaces it with the
// same behaviour minus the allocation: a request cancelled while still pending is rejected with one shared
// error. Remove when nats.js stops doing it (see @nats-io/nats-core lib/request.js, RequestOne.cancel).
//
// It also flushes what it has to send on a microtask after the first command, so a router whose work is
// spread over many promise chains (every incident's writes, claims and acks) writes to the socket once per
// microtask checkpoint: ~10% of its CPU in socket writes under load. `coalesceNatsWrites` flushes once per
// event-loop turn instead (setImmediate): the same bytes in far fewer writes, sent before any I/O is waited
// for, so a command waits at most for the rest of the current turn.
import { ProtocolHandler, RequestError, RequestOne } from '@nats-io/nats-core/internal';

const CANCELLED = new RequestError('cancelled');

interface RequestOneInternals {
  timer?: { cancel(): void };
  mux: { cancel(r: unknown): void };
  deferred: { reject(e: unknown): void };
}

let patched = false;

export function patchNatsRequestCancel(): void {
  if (patched) return;
  patched = true;
  (RequestOne.prototype as unknown as { cancel: (err?: Error) => void }).cancel = function cancel(
    this: RequestOneInternals,
    err?: Error,
  ) {
    this.timer?.cancel();
    this.mux.cancel(this);
    this.deferred.reject(err ?? CANCELLED);
  };
}

interface ProtocolInternals {
  outbound: { length(): number; size(): number; fill(buf: Uint8Array, ...payloads: Uint8Array[]): void };
  pendingLimit: number;
  flushPending(): void;
  flushScheduled?: boolean;
}

let coalescing = false;

export function coalesceNatsWrites(): void {
  if (coalescing) return;
  coalescing = true;
  const encoder = new TextEncoder();
  (
    ProtocolHandler.prototype as unknown as { sendCommand: (cmd: string | Uint8Array, ...p: Uint8Array[]) => void }
  ).sendCommand = function sendCommand(this: ProtocolInternals, cmd: string | Uint8Array, ...payloads: Uint8Array[]) {
    this.outbound.fill(typeof cmd === 'string' ? encoder.encode(cmd) : cmd, ...payloads);
    if (this.outbound.size() >= this.pendingLimit) {
      this.flushPending();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushPending();
      });
    }
  };
}
