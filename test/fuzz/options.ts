// Seeds and run counts of the fuzz tests (test/integration/fuzz-ingest.test.ts,
// test/unit/config/fuzz-compile.test.ts). Every property runs with one seed, printed when the file loads
// and in every failure, so a failure reproduces:
//
//   FUZZ_SEED=1234 node --import tsx --test test/integration/fuzz-ingest.test.ts
//
// FUZZ_SEED=random picks a new seed (printed); FUZZ_SCALE=10 runs ten times as many cases.
import fc from 'fast-check';

const DEFAULT_SEED = 20_260_309;

function seedFromEnv(): number {
  const v = process.env['FUZZ_SEED'];
  if (v === undefined || v === '') return DEFAULT_SEED;
  if (v === 'random') return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer or "random", got ${JSON.stringify(v)}`);
  return n | 0;
}

export const FUZZ_SEED = seedFromEnv();
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
if (!(SCALE > 0)) throw new Error(`FUZZ_SCALE must be a positive number, got ${process.env['FUZZ_SCALE']}`);

console.log(`# fuzz seed ${FUZZ_SEED} (reproduce with FUZZ_SEED=${FUZZ_SEED}), scale ${SCALE}`);

/** `numRuns` scaled by FUZZ_SCALE (at least 1). */
export function runs(numRuns: number): number {
  return Math.max(1, Math.round(numRuns * SCALE));
}

function withSeed(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  // fast-check keeps the property's own error (the assertion that failed) as the cause.
  const cause = e.cause instanceof Error ? `\n${e.cause.message}` : e.cause !== undefined ? `\n${String(e.cause)}` : '';
  e.message = `fuzz failure; reproduce with FUZZ_SEED=${FUZZ_SEED}\n${e.message}${cause}`;
  return e;
}

/** fc.assert with the suite's seed and `numRuns` (scaled); a failure names the seed. */
export function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, numRuns: number): void {
  try {
    fc.assert(property, { seed: FUZZ_SEED, numRuns: runs(numRuns) });
  } catch (e) {
    throw withSeed(e);
  }
}

/** The async version of {@link check}. */
export async function checkAsync<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<Ts> | fc.IAsyncPropertyWithHooks<Ts>,
  numRuns: number,
): Promise<void> {
  try {
    await fc.assert(property, { seed: FUZZ_SEED, numRuns: runs(numRuns) });
  } catch (e) {
    throw withSeed(e);
  }
}
