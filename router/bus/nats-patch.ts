// nats.js 3.4 allocates an Error (with a captured stack trace) in RequestOne.cancel() after *every*
// completed request — each JetStream publish and KV operation — only to reject a promise that is already
// settled. Under load that is ~8% of the router's CPU plus the garbage it makes. This replaces it with the
// same behaviour minus the allocation: a request cancelled while still pending is rejected with one shared
// error. Remove when nats.js stops doing it (see @nats-io/nats-core lib/request.js, RequestOne.cancel).
import { RequestError, RequestOne } from '@nats-io/nats-core/internal';

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
