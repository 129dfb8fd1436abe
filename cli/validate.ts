import { existsSync } from 'node:fs';
import { type ConfigError, compile } from '../router/config/compile/index.ts';
import { loadManifests } from '../router/config/manifest.ts';
import { KIND_NAMES } from '../router/config/resources/index.ts';
import { type Command, parse, UsageError } from './usage.ts';

const USAGE = `Usage: switchboard validate [--output text|json] [--skip-secrets] PATH...

Checks manifests (files or folders, recursive, multi-document YAML) exactly as the operator would:
schemas, references, durations, time zones, matchers, secrets. Lists every error once, as
FILE:LINE:COLUMN: Kind namespace/name: field: message.

  --skip-secrets   Secrets referenced but not in PATH are warnings, not errors: for GitOps repositories
                   whose Secrets come from SealedSecrets, External Secrets or SOPS. A Secret that is in
                   PATH but lacks the key is still an error.

Exit codes: 0 valid, 1 invalid, 2 usage error.`;

interface Finding {
  file: string | null;
  line: number | null;
  column: number | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
  field: string | null;
  message: string;
  /** The document (`file#2`) the finding is in, as the router and operator name it. */
  source: string | null;
}

function text(f: Finding): string {
  const where = f.file ? `${[f.file, f.line, f.column].filter((x) => x !== null).join(':')}: ` : '';
  const who = f.kind ? `${f.kind} ${f.namespace}/${f.name}: ` : '';
  return `${where}${who}${f.field ? `${f.field}: ` : ''}${f.message}`;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a folder of manifests as the operator would',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(
      args,
      { output: { type: 'string', short: 'o', default: 'text' }, 'skip-secrets': { type: 'boolean', default: false } },
      true,
    );
    if (positionals.length === 0) throw new UsageError('give at least one file or folder');
    if (values.output !== 'text' && values.output !== 'json') throw new UsageError('--output must be text or json');
    const missing = positionals.filter((p) => !existsSync(p));
    if (missing.length) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);

    const loaded = loadManifests(positionals);
    const result = compile(loaded.resources, { missingSecrets: values['skip-secrets'] ? 'warn' : 'error' });
    const finding = (e: ConfigError): Finding => {
      const at = loaded.locate(e.source, e.field);
      return {
        file: at?.file ?? e.source?.replace(/#[^#]*$/, '') ?? null,
        line: at?.line ?? null,
        column: at?.column ?? null,
        kind: e.kind,
        namespace: e.namespace,
        name: e.name,
        field: e.field || null,
        message: e.message,
        source: e.source ?? null,
      };
    };
    // Each finding once, in the order of the files and lines (what an editor jumps through).
    const once = (list: Finding[]) => {
      const seen = new Set<string>();
      return list
        .filter((f) => !seen.has(text(f)) && seen.add(text(f)))
        .sort(
          (a, b) =>
            (a.file ?? '').localeCompare(b.file ?? '') ||
            (a.line ?? 0) - (b.line ?? 0) ||
            (a.column ?? 0) - (b.column ?? 0),
        );
    };
    const errors = once([
      ...loaded.errors.map(
        (e): Finding => ({
          file: e.source.replace(/#[^#]*$/, ''),
          line: e.line ?? null,
          column: e.column ?? null,
          kind: null,
          namespace: null,
          name: null,
          field: null,
          message: e.message,
          source: e.source,
        }),
      ),
      ...(result.ok ? [] : result.errors.map(finding)),
    ]);
    const warnings = once(result.warnings.map(finding));
    const valid = errors.length === 0;
    if (values.output === 'json') {
      console.log(
        JSON.stringify(
          {
            valid,
            counts: result.counts,
            ignored: result.ignored,
            hash: result.ok ? result.config.hash : null,
            errors,
            warnings,
          },
          null,
          2,
        ),
      );
      return valid ? 0 : 1;
    }
    for (const w of warnings) console.error(`warning: ${text(w)}`);
    if (valid && result.ok) {
      const summary = KIND_NAMES.filter((k) => result.counts[k])
        .map((k) => `${result.counts[k]} ${k}`)
        .join(', ');
      const skipped = warnings.length
        ? `; ${warnings.length} Secret reference${warnings.length === 1 ? '' : 's'} not checked`
        : '';
      console.log(
        `valid: ${summary || 'no Switchboard resources'} (config ${result.config.hash.slice(0, 12)})${skipped}`,
      );
      for (const i of result.ignored) console.log(`ignored (not a Switchboard resource): ${i}`);
    } else {
      for (const e of errors) console.error(text(e));
      console.error(`\n${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was applied.`);
    }
    return valid ? 0 : 1;
  },
};
