// A small Prometheus exporter the test controls: gauges it sets are served on /metrics in the text exposition
// format, and Prometheus's alert rules fire (and resolve) on them as they would on a real node exporter.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class Exporter {
  private readonly series = new Map<string, { name: string; labels: Record<string, string>; value: number }>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Exporter> {
    let self: Exporter | null = null;
    const server = createServer((req, res) => {
      if (req.url !== '/metrics' || !self) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(self.exposition());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new Exporter(server, (server.address() as AddressInfo).port);
    return self;
  }

  /** host:port, as a scrape target. */
  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  set(name: string, labels: Record<string, string>, value: number): void {
    this.series.set(`${name}${JSON.stringify(Object.entries(labels).sort())}`, { name, labels, value });
  }

  exposition(): string {
    const byName = new Map<string, string[]>();
    for (const s of this.series.values()) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
        .join(',');
      const lines = byName.get(s.name) ?? [];
      lines.push(`${s.name}{${labels}} ${s.value}`);
      byName.set(s.name, lines);
    }
    return [...byName].map(([name, lines]) => `# TYPE ${name} gauge\n${lines.join('\n')}\n`).join('');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
