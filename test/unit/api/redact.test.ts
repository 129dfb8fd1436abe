import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from '../../../router/api/redact.ts';

describe('redactUrl', () => {
  it('hides the path key of path-key ingest, whatever follows it', () => {
    assert.equal(redactUrl('/api/v1/alerts/prtg/acme-token'), '/api/v1/alerts/prtg/[redacted]');
    assert.equal(redactUrl('/api/v1/alerts/generic/acme-token/extra'), '/api/v1/alerts/generic/[redacted]');
  });
  it('keeps header-authenticated ingest paths', () => {
    assert.equal(redactUrl('/api/v1/alerts'), '/api/v1/alerts');
    assert.equal(redactUrl('/api/v1/alerts/alertmanager'), '/api/v1/alerts/alertmanager');
  });
  it('hides ack tokens and token query parameters, keeps the rest', () => {
    assert.equal(redactUrl('/ack/eyJpIjoieCJ9.sig'), '/ack/[redacted]');
    assert.equal(redactUrl('/status/acme?token=secret&x=1'), '/status/acme?token=[redacted]&x=1');
    assert.equal(redactUrl('/status/acme?TOKEN=secret'), '/status/acme?TOKEN=[redacted]');
    assert.equal(redactUrl('/api/v1/incidents?tenant=acme'), '/api/v1/incidents?tenant=acme');
  });
});
