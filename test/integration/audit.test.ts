// The audit trail of configuration changes and silences (issue #17 point 7), on real routers and NATS:
// two replicas serve one config folder; an edit reloads both and is recorded once, with the resources it
// changed; a silence created by acme's token and expired by the admin is recorded with each principal.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, copyConfig, RESPONDER_TOKENS, startTestRouter, TOKENS } from '../harness/router.ts';

const HOUR = 3_600_000;

describe('audit trail', () => {
  let nats: NatsServer;
  let routers: RunningRouter[] = [];
  const dir = copyConfig();
  const file = join(dir, 'config.yaml');
  before(async () => {
    nats = await NatsServer.start();
    routers = [
      await startTestRouter(nats.url, { configDir: dir }),
      await startTestRouter(nats.url, { configDir: dir }),
    ];
  });
  after(async () => {
    for (const r of routers) await r.stop();
    await nats?.close();
  });
  const admin = () => api(routers[0]?.url as string, ADMIN_TOKEN);

  it('a config edit reloads every replica and is recorded once, naming the changed resource, no values', async () => {
    const started = new Date().toISOString();
    writeFileSync(file, readFileSync(file, 'utf8').replace('acme: acme-token', 'acme: acme-rotated-token'));
    for (const r of routers) {
      await waitFor('reloaded', async () => (r.ctx.config.get()?.revision ?? 0) >= 2, 10_000);
    }
    const changes = await waitFor(
      'the config change in the audit trail',
      async () => {
        const res = await admin().get(`/api/v1/audit?type=config.changed&from=${started}`);
        assert.equal(res.status, 200);
        return res.body.events.length > 0 ? res.body.events : undefined;
      },
      10_000,
    );
    assert.equal(changes.length, 1, JSON.stringify(changes));
    const [c] = changes;
    assert.deepEqual(c.changed, ['Tenant/test/acme']);
    assert.deepEqual([c.added, c.removed], [[], []]);
    assert.equal(c.revision, 2);
    assert.doesNotMatch(JSON.stringify(changes), /acme-rotated-token|acme-token/);
  });

  it('silences: created and expired, by which principal; a tenant sees only its own', async () => {
    // Silences need the responder token (issue #17 point 5); the first test rotated acme's ingest token.
    const acme = api(routers[1]?.url as string, 'acme-responder-token');
    const created = await acme.post('/api/v1/silences', {
      matchers: ['alertname="DiskFull"'],
      endsAt: new Date(Date.now() + 2 * HOUR).toISOString(),
      createdBy: 'jane',
      comment: 'disk swap',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal((await admin().call('DELETE', `/api/v1/silences/${id}`)).status, 200);

    const all = (await admin().get('/api/v1/audit?tenant=acme')).body.events;
    assert.deepEqual(
      all.map((e: { type: string; silenceId: string; by: string }) => [e.type, e.silenceId, e.by]),
      [
        ['silence.created', id, 'tenant:acme:responder'],
        ['silence.expired', id, 'admin'],
      ],
    );
    const own = (await acme.get('/api/v1/audit')).body.events;
    assert.deepEqual(
      own.map((e: { type: string }) => e.type),
      ['silence.created', 'silence.expired'],
      'acme sees its silences and no config changes',
    );
    const globex = api(routers[0]?.url as string, RESPONDER_TOKENS.globex);
    assert.equal((await api(routers[0]?.url as string, TOKENS.globex).get('/api/v1/audit')).status, 403);
    assert.deepEqual((await globex.get('/api/v1/audit')).body.events, []);
    assert.equal((await globex.get('/api/v1/audit?tenant=acme')).status, 403);
    assert.equal((await acme.get('/api/v1/audit?type=config.changed')).status, 403);
  });

  it('bad parameters are a 400 naming the field', async () => {
    const bad = await admin().get('/api/v1/audit?from=yesterday');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details.field, 'from');
    assert.equal((await admin().get('/api/v1/audit?type=nope')).body.details.field, 'type');
  });
});
