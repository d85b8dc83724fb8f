/**
 * Builds the CustomResourceDefinition of each kind from its zod definition, and renders it as YAML.
 * crds/*.yaml are this module's output, committed; `crd.test.ts` fails when they drift.
 */
import { stringify } from 'yaml';
import { CATEGORY, GROUP, VERSION } from '../api/v1alpha1/common.js';
import { KINDS } from '../api/v1alpha1/kinds.js';
import { toStructuralSchema, type JsonSchema } from './openapi.js';

type Kind = (typeof KINDS)[number];

export function crdFileName(kind: Kind): string {
  return `${GROUP}_${kind.plural}.yaml`;
}

export function buildCrd(kind: Kind): JsonSchema {
  const spec = toStructuralSchema(kind.spec, 'spec');
  // An empty spec is valid for some kinds (AgentGroup): default it so `spec:` may be left out entirely.
  const emptySpecValid = kind.spec.safeParse({}).success;
  if (emptySpecValid) spec.default = {};
  const status = toStructuralSchema(kind.status, 'status');
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'nanoclaw' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
          schema: {
            openAPIV3Schema: {
              description: kind.description,
              type: 'object',
              ...(emptySpecValid ? {} : { required: ['spec'] }),
              properties: {
                apiVersion: {
                  description: 'APIVersion of this object: nanoclaw.dev/v1alpha1.',
                  type: 'string',
                },
                kind: { description: `Kind of this object: ${kind.kind}.`, type: 'string' },
                metadata: { type: 'object' },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}

const HEADER =
  '# Generated from operator/api/v1alpha1 by `npm run crds:generate`; do not edit by hand.\n' +
  '# A unit test (operator/crdgen/crd.test.ts) fails when this file and its source drift.\n';

function renderCrd(kind: Kind): string {
  return HEADER + stringify(buildCrd(kind), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Every CRD file: name → content. */
export function renderAll(): Map<string, string> {
  return new Map(KINDS.map((k) => [crdFileName(k), renderCrd(k)]));
}
