import { existsSync } from 'node:fs';
import { compile, formatConfigError } from '../router/config/compile/index.ts';
import { loadManifests } from '../router/config/manifest.ts';
import { KIND_NAMES } from '../router/config/resources/index.ts';
import { type Command, parse, UsageError } from './usage.ts';

const USAGE = `Usage: switchboard validate [--output text|json] PATH...

Checks manifests (files or folders, recursive, multi-document YAML) exactly as the operator would:
schemas, references, durations, time zones, matchers, secrets. Lists every error.

Exit codes: 0 valid, 1 invalid, 2 usage error.`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a folder of manifests as the operator would',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, { output: { type: 'string', short: 'o', default: 'text' } }, true);
    if (positionals.length === 0) throw new UsageError('give at least one file or folder');
    if (values.output !== 'text' && values.output !== 'json') throw new UsageError('--output must be text or json');
    const missing = positionals.filter((p) => !existsSync(p));
    if (missing.length) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);

    const loaded = loadManifests(positionals);
    const result = compile(loaded.resources);
    const errors = [
      ...loaded.errors.map((e) => ({ source: e.source, message: e.message, text: `${e.source}: ${e.message}` })),
      ...(result.ok ? [] : result.errors.map((e) => ({ ...e, text: formatConfigError(e) }))),
    ];
    const valid = errors.length === 0;
    if (values.output === 'json') {
      console.log(
        JSON.stringify(
          {
            valid,
            counts: result.counts,
            ignored: result.ignored,
            hash: result.ok ? result.config.hash : null,
            errors: errors.map(({ text: _text, ...rest }) => rest),
          },
          null,
          2,
        ),
      );
    } else if (valid && result.ok) {
      const summary = KIND_NAMES.filter((k) => result.counts[k])
        .map((k) => `${result.counts[k]} ${k}`)
        .join(', ');
      console.log(`valid: ${summary || 'no Switchboard resources'} (config ${result.config.hash.slice(0, 12)})`);
      for (const i of result.ignored) console.log(`ignored (not a Switchboard resource): ${i}`);
    } else {
      for (const e of errors) console.error(e.text);
      console.error(`\n${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was applied.`);
    }
    return valid ? 0 : 1;
  },
};
