// ajv validators for the seven kinds, built from the same schemas as the CRDs.
// Errors are turned into `spec.field.path: message` with messages a person can act on.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  API_GROUP_VERSION,
  DATE_PATTERN,
  DATE_TIME_PATTERN,
  DURATION_PATTERN,
  KINDS,
  type KindName,
  NAME_PATTERN,
  TIME_OF_DAY_PATTERN,
} from './resources/index.ts';

export interface FieldError {
  field: string;
  message: string;
}

// ajv-formats is CommonJS with a default export; under NodeNext its callable is `.default`.
const addFormats = addFormatsModule.default;

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, verbose: true });
addFormats(ajv, ['email', 'uri']);

const PATTERN_MESSAGES: Record<string, string> = {
  [DURATION_PATTERN]: 'must be a duration such as 30s, 15m, 4h, 3d or 1w',
  [TIME_OF_DAY_PATTERN]: 'must be a time of day HH:MM (24 h)',
  [DATE_PATTERN]: 'must be a date YYYY-MM-DD',
  [DATE_TIME_PATTERN]: 'must be a date and time such as 2026-12-24T22:00 (optionally with seconds and an offset)',
  [NAME_PATTERN]: 'must be a lowercase name of letters, digits and "-" (DNS-1123), starting and ending alphanumeric',
};

const validators = new Map<string, ValidateFunction>();
for (const k of KINDS) {
  validators.set(k.kind, ajv.compile({ type: 'object', properties: { spec: k.spec }, required: ['spec'] }));
}

/** `/spec/routes/0/match` -> `spec.routes[0].match` */
export function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function join(base: string, child: string): string {
  return base ? `${base}.${child}` : child;
}

function describe(e: ErrorObject): FieldError {
  const at = fieldPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { field: join(at, String(p['missingProperty'])), message: 'is required' };
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        field: join(at, String(p['additionalProperty'])),
        message: `is not a known field${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      };
    }
    case 'enum':
      return { field: at, message: `must be one of: ${(p['allowedValues'] as unknown[]).join(', ')}` };
    case 'pattern':
      return { field: at, message: PATTERN_MESSAGES[String(p['pattern'])] ?? `must match ${String(p['pattern'])}` };
    case 'type':
      return { field: at, message: `must be ${/^[aeiou]/.test(String(p['type'])) ? 'an' : 'a'} ${String(p['type'])}` };
    case 'minProperties':
    case 'maxProperties': {
      const names = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { field: at, message: `set exactly one of ${names.join(', ')}` };
    }
    case 'format':
      return { field: at, message: `must be a valid ${String(p['format'])}` };
    default:
      return { field: at, message: e.message ?? e.keyword };
  }
}

/** Schema errors of one resource's `spec` (empty when valid). */
export function validateSpec(kind: KindName, resource: unknown): FieldError[] {
  const validate = validators.get(kind);
  if (!validate) throw new Error(`no validator for kind ${kind}`);
  if (validate(resource)) return [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of validate.errors ?? []) {
    const d = describe(e);
    const key = `${d.field}\u0000${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

export { API_GROUP_VERSION };
