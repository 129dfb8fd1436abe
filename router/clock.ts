/** Milliseconds since the epoch. Injected everywhere a decision needs "now", so tests can fix it. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
