import net from 'node:net';

/**
 * A TCP proxy in front of the test PostgreSQL server that can fail like a network or a server does, without touching
 * the server (it is shared): `down()` drops every connection and refuses new ones until `up()`; `dropReplyAfter(text)`
 * lets the next statement containing `text` reach the server, then cuts that connection before the answer comes back
 * (the statement's outcome is unknown to the client).
 */
export class PgProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private refusing = false;
  private trap: { text: string; fired: () => void } | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(url: string): Promise<PgProxy> {
    const u = new URL(url);
    const p = new PgProxy({ host: u.hostname, port: Number(u.port || 5432) });
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', () => r()));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  /** `url` pointed at the proxy. */
  url(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private accept(client: net.Socket): void {
    if (this.refusing) return void client.destroy();
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    let swallow = false;
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('data', (b) => {
      if (this.trap && b.includes(this.trap.text)) {
        const { fired } = this.trap;
        this.trap = null;
        swallow = true;
        upstream.write(b);
        // long enough for the server to execute and commit, short of the answer reaching the client
        setTimeout(() => {
          end();
          fired();
        }, 150);
        return;
      }
      upstream.write(b);
    });
    upstream.on('data', (b) => {
      if (!swallow) client.write(b);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  down(): void {
    this.refusing = true;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  up(): void {
    this.refusing = false;
  }

  /** Resolves once a statement containing `text` went through and its connection was cut before the answer. */
  dropReplyAfter(text: string): Promise<void> {
    return new Promise((r) => (this.trap = { text, fired: r }));
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
