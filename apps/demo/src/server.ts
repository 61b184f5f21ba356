import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OverheadSummary } from './overhead.js';
import { sentenceOf } from './pipeline.js';
import type { Supervisor } from './supervisor.js';
import type { DashboardState } from './views.js';

/** The page and its scripts: beside src/ and dist/ alike. */
const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
/** uPlot is served from node_modules: the dashboard works offline, no CDN. */
const UPLOT = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const FILES: Record<string, { path: string; type: string }> = {
  '/': { path: join(PUBLIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { path: join(PUBLIC, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { path: join(PUBLIC, 'style.css'), type: 'text/css; charset=utf-8' },
  // Browsers that ignore the page's icon link still ask for /favicon.ico: the same icon, not a 404.
  '/favicon.svg': { path: join(PUBLIC, 'favicon.svg'), type: 'image/svg+xml' },
  '/favicon.ico': { path: join(PUBLIC, 'favicon.svg'), type: 'image/svg+xml' },
  '/vendor/uPlot.iife.min.js': {
    path: join(UPLOT, 'uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uPlot.min.css': { path: join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};
/**
 * The modules app.js imports (public/dashboard/*.js), served by name so that a new one needs no
 * entry above. Browsers refuse a module without a JavaScript MIME type. The name allows no dot
 * or slash, so nothing outside that folder can be asked for.
 */
const DASHBOARD_MODULE = /^\/dashboard\/[a-z][a-z0-9-]*\.js$/;

function staticFile(path: string): { path: string; type: string } | undefined {
  if (DASHBOARD_MODULE.test(path))
    return { path: join(PUBLIC, path), type: 'text/javascript; charset=utf-8' };
  return FILES[path];
}

/** A control request body larger than this is refused unread. */
const MAX_BODY_BYTES = 4096;

/** The dashboard's port could not be listened on: taken by another program, or privileged. */
export class PortUnavailableError extends Error {
  override readonly name = 'PortUnavailableError';

  constructor(
    readonly port: number,
    readonly reason: 'in-use' | 'privileged',
  ) {
    super(
      reason === 'in-use'
        ? `port ${port} is already in use`
        : `port ${port} needs privileges to listen on`,
    );
  }
}

export interface Dashboard {
  readonly url: string;
  /** Tells connected pages the run ended, then closes every connection. */
  close(): Promise<void>;
}

/**
 * The dashboard over node:http: the static page, the state so far
 * (GET /api/state), the overhead verdicts (GET /api/overhead), a live stream of samples (GET /events, server-sent events,
 * one per supervisor tick) and control messages (POST /api/control). Binds
 * 127.0.0.1 only. A port it cannot listen on rejects with a PortUnavailableError.
 */
export async function startDashboard(
  supervisor: Supervisor,
  overhead: () => OverheadSummary,
  port: number,
): Promise<Dashboard> {
  const streams = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, { error: sentenceOf(error) });
      else response.destroy();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && path === '/events') return stream(response);
    if (request.method === 'GET' && path === '/api/state')
      return reply(response, 200, {
        pipelines: supervisor.pipelineIds,
        history: supervisor.history,
        overhead: overhead(),
      } satisfies DashboardState);
    if (request.method === 'GET' && path === '/api/overhead')
      return reply(response, 200, overhead());
    if (request.method === 'POST' && path === '/api/control') return control(request, response);
    const file = staticFile(path);
    if (request.method === 'GET' && file !== undefined) {
      const body = await readFile(file.path).catch((error: NodeJS.ErrnoException) => {
        // A module name that fits the pattern but has no file is a 404, not a server error.
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (body === null) return reply(response, 404, { error: `nothing at GET ${path}.` });
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
      response.end(body);
      return;
    }
    reply(response, 404, { error: `nothing at ${request.method} ${path}.` });
  }

  function stream(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write('retry: 1000\n\n');
    streams.add(response);
    const unsubscribe = supervisor.onSample((sample) => {
      // close() ends the stream before its 'close' event unsubscribes; a sample in between (the
      // supervisor's last tick) must not be written to the ended response.
      if (response.writableEnded) return;
      response.write(`event: sample\ndata: ${JSON.stringify(sample)}\n\n`);
    });
    response.on('close', () => {
      unsubscribe();
      streams.delete(response);
    });
  }

  async function control(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) {
      body += chunk;
      if (body.length > MAX_BODY_BYTES)
        return reply(response, 413, {
          error: `a control message is at most ${MAX_BODY_BYTES} bytes.`,
        });
    }
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      return reply(response, 400, { error: 'the control message is not JSON.' });
    }
    const { pipeline, message: inner } = (message ?? {}) as {
      pipeline?: unknown;
      message?: unknown;
    };
    if (
      typeof pipeline !== 'string' ||
      typeof inner !== 'object' ||
      inner === null ||
      typeof (inner as { type?: unknown }).type !== 'string'
    )
      return reply(response, 400, {
        error: 'a control message is { "pipeline": id, "message": { "type": …, … } }.',
      });
    try {
      await supervisor.control(pipeline, inner as { type: string });
      reply(response, 200, { ok: true });
    } catch (error) {
      reply(response, 400, { error: sentenceOf(error) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortUnavailableError(port, 'in-use')
          : error.code === 'EACCES'
            ? new PortUnavailableError(port, 'privileged')
            : error,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      for (const response of streams) {
        response.write('event: stopped\ndata: {}\n\n');
        response.end();
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}
