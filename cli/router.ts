import { natsAuthSource } from '../router/bus/nats-options.ts';
import { createLogger } from '../router/log.ts';
import { startRouter } from '../router/main.ts';
import { NATS_FLAG_OPTIONS, NATS_USAGE } from './nats-flags.ts';
import { type Command, parse, parseListen, positiveInt, serveUntilSignal, UsageError } from './usage.ts';

const USAGE = `Usage: switchboard router (--config DIR | --config-from-nats) [--nats URL] [--listen HOST:PORT] [--replicas N]
                          [--partitions N]

Runs the router: ingest API, incident processing, metrics.

  --config DIR        local / GitOps mode: manifests in DIR (reloaded on change and on SIGHUP)
  --config-from-nats  Kubernetes mode: the snapshot the operator writes to the KV bucket sb-config
  --nats URL          NATS server(s), comma-separated (default nats://127.0.0.1:4222)
  --listen HOST:PORT  HTTP listen address (default 0.0.0.0:8080)
  --replicas N        replicas of streams and buckets on a NATS cluster (default 1; 3 on a 3-node cluster)
  --partitions N      partitions of the alerts stream, applied by one replica each at a time (default 8;
                      the same on every replica; docs/scaling.md)
  --role ROLE         all (default): API and processing; api: API only (processing runs in all-role replicas)
  --max-body BYTES    largest accepted request body (default 4194304)

Environment: SWITCHBOARD_ADMIN_TOKEN (admin API token), SWITCHBOARD_SHARED_INGEST_TOKEN (ingest for
shared sources, tenant from labels), SWITCHBOARD_LOG_LEVEL (debug, info, warn, error).

Notifications (docs/notifications.md):
  SWITCHBOARD_PUBLIC_URL          base URL of acknowledge links (default http://<--listen>)
  SWITCHBOARD_SIGNING_KEY         HMAC key of acknowledge links, >= 32 characters, the same on every
                                  replica (default: random at start, so links break on restart)
  SWITCHBOARD_ACK_LINK_TTL_HOURS  how long an acknowledge link is valid (default 168)
  SWITCHBOARD_SMTP_URL, SWITCHBOARD_SMTP_FROM                 e-mail
  SWITCHBOARD_TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _FROM (_URL)   SMS and voice
  SWITCHBOARD_SLACK_BOT_TOKEN (SWITCHBOARD_SLACK_API_URL), SWITCHBOARD_TEAMS_WEBHOOK_URL
  SWITCHBOARD_NOTIFY_TIMEOUT_MS   timeout of one provider request (default 10000)

Storage: SWITCHBOARD_NATS_STORAGE_BUDGET (e.g. 8Gi): what the streams may take, split 1:5:1 between alerts,
events and incidents (default 14Gi: 2Gi, 10Gi, 2Gi; docs/scaling.md). Below the NATS max_file_store.

${NATS_USAGE}`;

export const routerCommand: Command = {
  name: 'router',
  summary: 'run the router (ingest, incidents, API)',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, {
      config: { type: 'string' },
      'config-from-nats': { type: 'boolean', default: false },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      ...NATS_FLAG_OPTIONS,
      listen: { type: 'string', default: '0.0.0.0:8080' },
      replicas: { type: 'string', default: '1' },
      partitions: { type: 'string', default: '8' },
      role: { type: 'string', default: 'all' },
      'max-body': { type: 'string', default: String(4 * 1024 * 1024) },
    });
    if (!values.config === !values['config-from-nats'])
      throw new UsageError('give either --config DIR or --config-from-nats');
    if (values.role !== 'all' && values.role !== 'api')
      throw new UsageError(`--role must be all or api, got "${values.role}"`);
    const role: 'all' | 'api' = values.role;
    const partitions = positiveInt(values.partitions, '--partitions');
    if (partitions > 1024) throw new UsageError(`--partitions must be at most 1024, got ${partitions}`);
    const log = createLogger('switchboard-router');
    if (!process.env['SWITCHBOARD_ADMIN_TOKEN'])
      log.warn('SWITCHBOARD_ADMIN_TOKEN is not set: the admin API is disabled');
    return serveUntilSignal(log, () =>
      startRouter({
        ...(values.config ? { configDir: values.config } : {}),
        natsUrl: values.nats,
        natsAuth: natsAuthSource(process.env, values),
        listen: parseListen(values.listen),
        role,
        bus: {
          replicas: positiveInt(values.replicas, '--replicas'),
          partitions,
        },
        maxBodyBytes: positiveInt(values['max-body'], '--max-body'),
        log,
      }),
    );
  },
};
