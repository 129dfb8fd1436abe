// The NATS credential and TLS flags `switchboard router` and `switchboard operator` share, and their help.
// A password or token is never a flag (it would show in `ps`): environment, or a mounted file via the URL.
import { NATS_FLAGS } from '../router/bus/nats-options.ts';

export const NATS_FLAG_OPTIONS = Object.fromEntries(
  Object.keys(NATS_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
) as Record<keyof typeof NATS_FLAGS, { type: 'string' }>;

export const NATS_USAGE = `NATS credentials and TLS (docs/install.md, "NATS authentication"; a flag wins over its variable):
  --nats nats://user:pass@host:4222  credentials in the URL (never logged); tls://host:4222 requires TLS
  --nats-user NAME         SWITCHBOARD_NATS_USER, with SWITCHBOARD_NATS_PASSWORD (environment only)
                           SWITCHBOARD_NATS_TOKEN (environment only)
  --nats-nkey-seed-file F  SWITCHBOARD_NATS_NKEY_SEED_FILE: a user nkey seed (SU...)
  --nats-creds-file F      SWITCHBOARD_NATS_CREDS_FILE: a user JWT and seed (nsc generate creds)
  --nats-tls-ca-file F     SWITCHBOARD_NATS_TLS_CA_FILE: CA of the server's certificate
  --nats-tls-cert-file F   SWITCHBOARD_NATS_TLS_CERT_FILE and --nats-tls-key-file F (SWITCHBOARD_NATS_TLS_KEY_FILE):
                           client certificate and key, for a server that verifies clients`;
