import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** Wrong invocation: exit code 2 with the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
