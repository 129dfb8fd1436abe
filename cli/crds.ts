import { crdFor } from '../router/config/crd.ts';
import { crdYaml } from '../router/config/generated-files.ts';
import { KINDS } from '../router/config/resources/index.ts';
import type { Command } from './usage.ts';

export const crdsCommand: Command = {
  name: 'crds',
  summary: 'print the CustomResourceDefinitions (pipe into kubectl apply -f -)',
  usage:
    'Usage: switchboard crds\n\nPrints all seven CRDs as multi-document YAML, e.g. `switchboard crds | kubectl apply -f -`.',
  async run() {
    process.stdout.write(KINDS.map((k) => crdYaml(crdFor(k))).join('---\n'));
    return 0;
  },
};
