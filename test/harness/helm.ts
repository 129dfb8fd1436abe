// helm (built by `scripts/tools.sh helm` into .tools/bin) for chart tests: run it, render the chart.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT, toolPath } from './tools.ts';

export const CHART = join(ROOT, 'charts', 'switchboard');
/** helm built from source without ldflags defaults to Kubernetes v1.20; name a current one. */
export const KUBE_VERSION = '1.31.0';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): Promise<HelmResult> {
  const home = mkdtempSync(join(tmpdir(), 'sb-helm-'));
  return new Promise((resolve, reject) => {
    const p = spawn(toolPath('helm'), args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A private config/cache dir: no repositories, no plugins, nothing from the user's helm.
      env: { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A values file holding VALUES (JSON is YAML), for `-f`. */
export function valuesFile(values: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-values-')), 'values.yaml');
  writeFileSync(path, JSON.stringify(values));
  return path;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field in tests
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  [key: string]: any;
}

/** `helm template RELEASE charts/switchboard -n NAMESPACE -f VALUES ...EXTRA`: the YAML and its objects. */
export async function renderChart(
  values: unknown,
  opts: { release?: string; namespace?: string; extra?: string[] } = {},
): Promise<{ yaml: string; objects: K8sObject[] }> {
  const args = [
    'template',
    opts.release ?? 'sb',
    CHART,
    '--namespace',
    opts.namespace ?? 'switchboard',
    '--kube-version',
    KUBE_VERSION,
    '-f',
    valuesFile(values),
    ...(opts.extra ?? []),
  ];
  const r = await helm(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
  return { yaml: r.stdout, objects };
}
