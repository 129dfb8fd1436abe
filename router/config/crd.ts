// CustomResourceDefinitions generated from the kind schemas (never edited by hand: `npm run gen`).
import { API_GROUP, API_VERSION, KINDS, type KindDefinition } from './resources/index.ts';

type Json = Record<string, unknown>;

/**
 * A TypeBox schema as a structural OpenAPI v3 schema: plain JSON, no `additionalProperties: false`
 * beside `properties` (structural schemas forbid both; the API server prunes or, with kubectl's
 * strict field validation, rejects unknown fields instead).
 */
export function toStructural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) {
    if (k === '$id') continue;
    if (k === 'additionalProperties' && v === false) continue;
    out[k] = toStructural(v);
  }
  return out;
}

const conditionSchema = {
  type: 'object',
  description: 'One condition of the resource; Switchboard sets `Ready`.',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string', description: 'Condition type, e.g. `Ready`.' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'True, False or Unknown.' },
    reason: { type: 'string', description: 'One-word CamelCase reason, e.g. `Compiled` or `InvalidReference`.' },
    message: { type: 'string', description: 'Human-readable detail naming the field at fault.' },
    lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the status last changed.' },
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'Generation the condition was computed from.',
    },
  },
};

function statusSchema(kind: KindDefinition): Json {
  const properties: Json = {
    conditions: {
      type: 'array',
      description: 'Current state; `Ready` tells whether the resource is compiled into the config in force.',
      items: conditionSchema,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'The generation the operator last processed.',
    },
  };
  if (kind.kind === 'Tenant') {
    properties['configRevision'] = {
      type: 'string',
      description: 'Revision of the compiled configuration in force for this tenant.',
    };
  }
  return { type: 'object', description: 'Observed state, written by the operator.', properties };
}

export function crdFor(kind: KindDefinition): Json {
  const spec = toStructural(JSON.parse(JSON.stringify(kind.spec))) as Json;
  if (kind.celRules?.length) spec['x-kubernetes-validations'] = kind.celRules;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/name': 'switchboard', 'app.kubernetes.io/part-of': 'switchboard' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: ['switchboard'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...kind.printerColumns,
            {
              name: 'Ready',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Ready")].status',
              description: 'Whether the resource is compiled into the config in force',
            },
            {
              name: 'Reason',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
              description: 'Why it is (not) ready',
              priority: 1,
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: kind.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'API version: `switchboard.dev/v1alpha1`.' },
                kind: { type: 'string', description: `Kind: \`${kind.kind}\`.` },
                // The API server allows nothing under metadata but `type` (and name/generateName
                // restrictions): a description here makes it reject the CRD as non-structural.
                metadata: { type: 'object' },
                spec,
                status: statusSchema(kind),
              },
            },
          },
        },
      ],
    },
  };
}

export function allCrds(): Json[] {
  return KINDS.map(crdFor);
}
