import type { Command } from 'commander';
import { OptionsError } from '../errors.js';
import { buildServer, isLoopback } from '../serve/server.js';
import { DEFAULT_STORAGE_URL, openStorage, redact } from '../storage/open.js';
import { examples, positiveInt } from './args.js';
import { readFlagFile } from './files.js';

/** `parzen serve`: the ask/tell HTTP API over a storage, for trainers in any language. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve studies over HTTP (JSON): create, ask, tell, report, heartbeat, trials, best; OpenAPI at /openapi.json')
    .option('--storage <url>', 'where the studies live: sqlite:FILE, postgres://user@host:port/db or memory', DEFAULT_STORAGE_URL)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', (v) => (v === '0' ? 0 : positiveInt(v)), 8470)
    .option('--token-file <file>', 'a file holding the bearer token every request must carry')
    .option('--no-auth', 'accept requests without a token (only on a loopback address)')
    .option('--cors-origin <origin>', 'let browser pages of this origin call the API')
    .addHelpText(
      'after',
      examples(
        'parzen serve --no-auth                     # http://127.0.0.1:8470, this machine only',
        'openssl rand -hex 32 > token.txt && parzen serve --host 0.0.0.0 --token-file token.txt --storage postgres://me@db:5432/hpo',
      ),
    )
    .action(async (o: { storage: string; host: string; port: number; tokenFile?: string; auth: boolean; corsOrigin?: string }) => {
      if (o.port > 65535) throw new OptionsError(`--port must be in 0..65535 (got ${o.port})`);
      let token: string | null = null;
      if (o.tokenFile !== undefined) {
        token = readFlagFile('--token-file', o.tokenFile).trim();
        if (token.length < 16) throw new OptionsError(`--token-file ${o.tokenFile}: the token must have at least 16 characters`);
      } else if (o.auth) {
        throw new OptionsError('--token-file is required (or --no-auth, on a loopback address only)');
      } else if (!isLoopback(o.host)) {
        throw new OptionsError(`--no-auth is allowed on a loopback address only, not ${o.host}`);
      }
      const storage = await openStorage(o.storage);
      const app = buildServer({ storage, token, corsOrigin: o.corsOrigin });
      const address = await app.listen({ host: o.host, port: o.port });
      process.stderr.write(`parzen serve: ${redact(o.storage)} at ${address}${token === null ? ' (no authentication)' : ''}\n`);
      // A stop finishes the requests in flight, then closes the storage; running trials keep their leases.
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await app.close();
      await storage.close();
      process.stderr.write('parzen serve: stopped\n');
    });
}
