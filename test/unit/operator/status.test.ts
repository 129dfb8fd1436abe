// The pure parts of reconcile: which Secrets feed the compiler, what each status should say, when a
// status write is needed (never for our own write coming back: no reconcile loop), and the snapshot
// format routers read (a corrupt or older snapshot never replaces the one in force).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { KubeObject } from '../../../operator/kube/informers.ts';
import { desiredStatus, statusUpToDate, withTransitionTimes } from '../../../operator/kube/status.ts';
import { compileInputs, referencedSecrets } from '../../../operator/reconcile.ts';
import { compile } from '../../../router/config/compile/index.ts';
import { ConfigHolder } from '../../../router/config/holder.ts';
import { loadManifests } from '../../../router/config/manifest.ts';
import { decodeSnapshot, encodeSnapshot } from '../../../router/config/snapshot.ts';
import { NatsConfigSource } from '../../../router/config/source-nats.ts';

const obj = (kind: string, name: string, spec: unknown, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: kind === 'Secret' ? 'v1' : 'switchboard.dev/v1alpha1',
  kind,
  metadata: { name, namespace: 'ns', generation: 1 },
  spec,
  ...extra,
});

describe('reconcile inputs', () => {
  it('finds every referenced Secret, however deep its …SecretRef / secretRef field', () => {
    const refs = referencedSecrets([
      obj('Tenant', 't', {
        ingestTokenSecretRef: { name: 'tok', key: 'k' },
        statusPage: { viewerTokenSecretRef: { name: 'view', key: 'k' } },
      }),
      obj('Channel', 'c', { type: 'webhook', webhook: { url: 'https://x', secretRef: { name: 'hmac', key: 'k' } } }),
      obj('Channel', 's', { type: 'autotask', autotask: { credentialsSecretRef: { name: 'creds' } } }),
    ]);
    assert.deepEqual([...refs].sort(), ['ns/creds', 'ns/hmac', 'ns/tok', 'ns/view']);
  });

  it('feeds only referenced Secrets to the compiler (an unrelated Secret cannot break the config)', () => {
    const { inputs } = compileInputs(
      [obj('Tenant', 't', { ingestTokenSecretRef: { name: 'tok', key: 'k' } })],
      [
        obj('Secret', 'tok', undefined, { data: { k: Buffer.from('x').toString('base64') } }),
        obj('Secret', 'helm-release', undefined, { data: { k: 'not base64 !!' } }),
      ],
    );
    assert.deepEqual(
      inputs.map((r) => `${r.kind}/${(r.metadata as { name: string }).name}`),
      ['Tenant/t', 'Secret/tok'],
    );
  });
});

describe('desired status', () => {
  it('Ready=False names the field at fault and the revision that stays in force', () => {
    const s = desiredStatus({
      kind: 'Tenant',
      generation: 3,
      errors: ['spec.serviceLevel: ServiceLevel "gold" not found in namespace ns'],
      compiled: false,
      revision: 7,
    });
    assert.deepEqual(s.conditions[0], {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidConfig',
      message:
        'spec.serviceLevel: ServiceLevel "gold" not found in namespace ns (config revision 7 stays in force; nothing of this change applied)',
      observedGeneration: 3,
    });
    assert.equal(s.observedGeneration, 3);
    assert.equal(s.configRevision, '7');
  });

  it('Ready=True: Compiled when in force, Valid when other resources block the config', () => {
    const ok = desiredStatus({ kind: 'ServiceLevel', generation: 1, errors: [], compiled: true, revision: 2 });
    assert.deepEqual([ok.conditions[0]?.status, ok.conditions[0]?.reason], ['True', 'Compiled']);
    assert.equal(ok.configRevision, undefined, 'only Tenants carry configRevision');
    const blocked = desiredStatus({ kind: 'Responder', generation: 1, errors: [], compiled: false, revision: 2 });
    assert.deepEqual([blocked.conditions[0]?.status, blocked.conditions[0]?.reason], ['True', 'Valid']);
  });

  it('a status written and read back is up to date (no second write, no reconcile loop)', () => {
    const d = desiredStatus({ kind: 'Tenant', generation: 2, errors: [], compiled: true, revision: 4 });
    const written = withTransitionTimes(undefined, d, Date.UTC(2026, 0, 1));
    const readBack = JSON.parse(JSON.stringify(written)) as Record<string, unknown>;
    assert.equal(statusUpToDate(readBack, d), true);
    assert.equal(statusUpToDate(undefined, d), false);
    // A new generation, a new revision or a new message each need a write.
    assert.equal(
      statusUpToDate(
        readBack,
        desiredStatus({ kind: 'Tenant', generation: 3, errors: [], compiled: true, revision: 4 }),
      ),
      false,
    );
    assert.equal(
      statusUpToDate(
        readBack,
        desiredStatus({ kind: 'Tenant', generation: 2, errors: [], compiled: true, revision: 5 }),
      ),
      false,
    );
    assert.equal(
      statusUpToDate(
        readBack,
        desiredStatus({ kind: 'Tenant', generation: 2, errors: ['spec.x: bad'], compiled: false, revision: 4 }),
      ),
      false,
    );
  });

  it('keeps lastTransitionTime while the condition status stays, and sets it when it flips', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const ok = desiredStatus({ kind: 'Channel', generation: 1, errors: [], compiled: true, revision: 1 });
    const first = withTransitionTimes(undefined, ok, t0) as unknown as Record<string, unknown>;
    const again = withTransitionTimes(
      first,
      desiredStatus({ kind: 'Channel', generation: 2, errors: [], compiled: true, revision: 2 }),
      t0 + 60_000,
    );
    assert.equal(again.conditions[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
    const bad = withTransitionTimes(
      first,
      desiredStatus({ kind: 'Channel', generation: 3, errors: ['x'], compiled: false, revision: 2 }),
      t0 + 120_000,
    );
    assert.equal(bad.conditions[0]?.lastTransitionTime, '2026-01-01T00:02:00Z');
  });
});

describe('config snapshot', () => {
  const compiled = compile(loadManifests(['examples/msp']).resources);
  assert.ok(compiled.ok);
  const config = compiled.config;

  it('round-trips, compressed', () => {
    const data = encodeSnapshot({ revision: 3, hash: config.hash, config, writtenAt: 1 });
    assert.ok(data.length < JSON.stringify(config).length / 2);
    assert.deepEqual(decodeSnapshot(data).config, config);
  });

  it('rejects snapshots whose hash does not match or that lack a revision', () => {
    assert.throws(() => decodeSnapshot(encodeSnapshot({ revision: 1, hash: 'nope', config, writtenAt: 1 })), /hash/);
    assert.throws(() => decodeSnapshot(Buffer.from('{"hash":"x"}')), /revision/);
    assert.throws(() => decodeSnapshot(Buffer.from('not json')));
  });

  it('NatsConfigSource applies newer snapshots only and keeps the one in force on garbage', () => {
    const holder = new ConfigHolder();
    const source = new NatsConfigSource({} as never, holder, () => 0, pino({ level: 'silent' }));
    assert.equal(source.apply(encodeSnapshot({ revision: 2, hash: config.hash, config, writtenAt: 1 }), 10), true);
    assert.equal(holder.get()?.revision, 2);
    assert.equal(source.apply(Buffer.from('garbage'), 11), false);
    const other = { ...config, hash: 'older' };
    assert.equal(source.apply(encodeSnapshot({ revision: 1, hash: 'older', config: other, writtenAt: 1 }), 12), false);
    assert.equal(holder.get()?.revision, 2);
    assert.equal(holder.get()?.config.hash, config.hash);
    assert.deepEqual(source.counts, { applied: 1, skipped: 1, rejected: 1 });
  });
});
