// The Kubernetes client (~80 MiB of RSS) is loaded only by this command, not by every `switchboard router`.

import { natsAuthSource } from '../router/bus/nats-options.ts';
import { createLogger } from '../router/log.ts';
import { NATS_FLAG_OPTIONS, NATS_USAGE } from './nats-flags.ts';
import { type Command, parse, parseListen, positiveInt, serveUntilSignal } from './usage.ts';

const USAGE = `Usage: switchboard operator [--kubeconfig PATH] [--namespaces a,b] [--nats URL] [--listen HOST:PORT] [--replicas N]

Runs the operator: watches the Switchboard custom resources and the Secrets they reference, compiles
them (exactly as \`switchboard validate\`) into a config snapshot in the NATS KV bucket sb-config, and
reports Ready conditions and Events on every resource. Run two or more replicas: a Lease elects the
one that writes.

  --kubeconfig PATH   kubeconfig to use (default: in-cluster service account, else $KUBECONFIG / ~/.kube/config)
  --namespaces a,b    namespaces to watch (default: all)
  --nats URL          NATS server(s), comma-separated (default nats://127.0.0.1:4222)
  --listen HOST:PORT  /healthz, /readyz and /metrics (default 0.0.0.0:8081)
  --replicas N        replicas of the config bucket on a NATS cluster (default 1; as the router's)
  --lease-namespace NS  namespace of the leader Lease (default $POD_NAMESPACE, else the first watched namespace, else default)

Environment: SWITCHBOARD_LOG_LEVEL (debug, info, warn, error), POD_NAMESPACE.

${NATS_USAGE}`;

export const operatorCommand: Command = {
  name: 'operator',
  summary: 'run the Kubernetes operator (CRs -> config snapshot, status)',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, {
      kubeconfig: { type: 'string' },
      namespaces: { type: 'string' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      ...NATS_FLAG_OPTIONS,
      listen: { type: 'string', default: '0.0.0.0:8081' },
      replicas: { type: 'string', default: '1' },
      'lease-namespace': { type: 'string' },
    });
    const namespaces = (values.namespaces ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const listen = parseListen(values.listen);
    const replicas = positiveInt(values.replicas, '--replicas');
    const log = createLogger('switchboard-operator');
    const [{ KubeConfig }, { startOperator }] = await Promise.all([
      import('@kubernetes/client-node'),
      import('../operator/main.ts'),
    ]);
    const kc = new KubeConfig();
    try {
      if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
      else if (process.env['KUBERNETES_SERVICE_HOST']) kc.loadFromCluster();
      else kc.loadFromDefault();
    } catch (e) {
      log.fatal({ err: e }, `cannot load the Kubernetes config: ${(e as Error).message}`);
      return 1;
    }
    return serveUntilSignal(log, () =>
      startOperator({
        kubeConfig: kc,
        namespaces,
        natsUrl: values.nats,
        natsAuth: natsAuthSource(process.env, values),
        listen,
        replicas,
        leaseNamespace: values['lease-namespace'],
        log,
      }),
    );
  },
};
