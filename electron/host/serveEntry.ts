/**
 * Entry of the web host bundle (dist/host/serve.mjs), run by scripts/serve.mjs and by
 * scripts/start.mjs when there is no Electron binary.
 *   node scripts/serve.mjs [--port N] [--user-data DIR] [--renderer DIR] [--templates DIR]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { cleanStaleTemps, createHostApi, createServices, exportWriter } from './hostApi.js';
import { secretFromEnv, urlWithSecret } from './hostSecret.js';
import { defaultUserDataDir } from './paths.js';
import { createWebHost, listen } from './webServer.js';

export interface ServeOptions {
  /** The repository / app root (holds dist/renderer, templates, package.json). */
  appRoot: string;
  port: number;
  userData: string;
  rendererDir: string;
  templatesDir: string;
  /** This launch's /api key (random unless PERCEIVER_HOST_SECRET gave one). */
  secret: string;
}

export function parseServeArgs(argv: string[], appRoot: string, cwd = process.cwd()): ServeOptions {
  const opts: ServeOptions = {
    appRoot,
    port: 4817,
    userData: defaultUserDataDir(),
    rendererDir: resolve(appRoot, 'dist', 'renderer'),
    templatesDir: resolve(appRoot, 'templates'),
    secret: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value.`);
      return v;
    };
    if (a === '--port') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new Error(`--port must be an integer 0-65535 (0 picks a free port), not "${argv[i]}".`);
      opts.port = n;
    } else if (a === '--user-data') opts.userData = resolve(cwd, value());
    else if (a === '--renderer') opts.rendererDir = resolve(cwd, value());
    else if (a === '--templates') opts.templatesDir = resolve(cwd, value());
    else
      throw new Error(
        `Unknown option "${a}". Usage: serve.mjs [--port N] [--user-data DIR] [--renderer DIR] [--templates DIR]`,
      );
  }
  if (!opts.secret) opts.secret = secretFromEnv();
  return opts;
}

/** `url` carries the key in its fragment (one click opens the app); `baseUrl` does not. */
export async function startWebHost(opts: ServeOptions): Promise<{ server: Server; url: string; baseUrl: string }> {
  mkdirSync(opts.userData, { recursive: true });
  const pkg = JSON.parse(readFileSync(resolve(opts.appRoot, 'package.json'), 'utf8')) as { version: string };
  const config = {
    userData: opts.userData,
    templatesDir: opts.templatesDir,
    version: pkg.version,
    platform: process.platform,
  };
  await cleanStaleTemps(config, (m) => console.error(m));
  const services = createServices(config);
  const hooks = { shell: 'web' as const, resolver: services.documents };
  const handlers = createHostApi(config, services, hooks);
  const writeExport = exportWriter(config, services, hooks);
  const server = createWebHost({
    handlers,
    rendererDir: opts.rendererDir,
    port: opts.port,
    secret: opts.secret,
    writeExportDecoded: (name, files, format) => writeExport(name, files, format),
    missingRendererHint: `The renderer is not built (no ${resolve(opts.rendererDir, 'index.html')}). Run "npm run build".`,
  });
  const baseUrl = await listen(server, opts.port);
  return { server, url: urlWithSecret(baseUrl, opts.secret), baseUrl };
}

/** Run until SIGINT/SIGTERM; closes the server cleanly. */
export async function runServe(argv: string[], appRoot: string): Promise<void> {
  let opts: ServeOptions;
  try {
    opts = parseServeArgs(argv, appRoot);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const portGiven = argv.includes('--port');
  const { server, url } = await startWebHost(opts)
    .catch(async (e: NodeJS.ErrnoException) => {
      // The default port may be taken (another copy, the e2e server): any free port will do then.
      if (e.code === 'EADDRINUSE' && !portGiven) return startWebHost({ ...opts, port: 0 });
      throw e;
    })
    .catch((e: NodeJS.ErrnoException) => {
      console.error(
        e.code === 'EADDRINUSE'
          ? `Port ${opts.port} is in use; pass --port N (or --port 0 for any free port).`
          : e.message,
      );
      process.exit(1);
    });
  // The key is printed once, to the launching user's terminal only; never to a log.
  console.log(`Perceiver Studio at ${url} (user data: ${opts.userData})`);
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
