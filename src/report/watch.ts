/**
 * `superspike watch DIR`: a page on 127.0.0.1 that follows a run while it goes and is the final
 * report when it ends. The page is the report (report.ts, built with `allowRunning`, so it says
 * "in progress" while the run goes) plus one small script: it listens to `/events` (server-sent
 * events) and, when the folder changed, fetches the page again and swaps its body in place.
 *
 * The folder is looked at every `pollMs` and on every page request: a change of run.json (the
 * engine rewrites it at every block, and last when the run ends) rebuilds the page. A folder
 * without a run yet, or whose run has only just started, gets a waiting page; a run that died
 * gets the report's refusal as the page. A rebuild that fails on a half-written file keeps the
 * previous page and tries again at the next look.
 *
 * node:http and the EventSource protocol are all it needs (no dependency). Only 127.0.0.1 is
 * bound, and requests naming another host are refused (no page of another site can read it).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { readRunInfo, RUN_INFO_FILE } from '../io/run-info.js';
import { runStateOf, type RunState } from '../io/run-state.js';
import { buildReport } from './report.js';
import { escapeXml } from './svg.js';

/** What the page shows: the run going, the final report, a run that died, or nothing yet. */
export type WatchState = 'running' | 'complete' | 'incomplete' | 'waiting';

export interface WatchOptions {
  /** 0: any free port. */
  port?: number;
  /** How often the folder is looked at (ms). */
  pollMs?: number;
  /** Told of every new page (not of unchanged looks). */
  onPage?: (page: { version: number; state: WatchState; message: string }) => void;
}

export interface WatchServer {
  url: string;
  /**
   * Stops serving. With `graceMs`, first brings the page up to date and, when pages are open,
   * gives them that long to fetch it (`run --serve`: the open page is left showing the final report).
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

export const DEFAULT_WATCH_PORT = 8417;
const DEFAULT_POLL_MS = 500;
const KEEPALIVE_MS = 15_000;

/** Runs in the page: on a newer version, fetch the page and swap the body (no reload, no flicker). */
const CLIENT_SCRIPT = `
document.addEventListener('DOMContentLoaded', () => {
  const events = new EventSource('/events');
  let fetching = false;
  events.addEventListener('page', async (e) => {
    const { version } = JSON.parse(e.data);
    if (fetching || String(version) === document.body.dataset.version) return;
    fetching = true;
    try {
      const html = await (await fetch('/', { cache: 'no-store' })).text();
      const doc = new DOMParser().parseFromString(html, 'text/html');
      document.title = doc.title;
      // The first page may have been the waiting page, with other styles.
      document.head.querySelectorAll('style').forEach((el) => el.remove());
      doc.head.querySelectorAll('style').forEach((el) => document.head.append(el));
      const y = window.scrollY;
      document.body.replaceWith(doc.body);
      window.scrollTo(0, y);
    } finally {
      fetching = false;
    }
  });
});
`;

function standalonePage(title: string, text: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n' +
    `<title>${escapeXml(title)}</title>\n<style>body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; }</style>\n` +
    `</head>\n<body>\n<h1>${escapeXml(title)}</h1>\n<p>${escapeXml(text)}</p>\n</body>\n</html>\n`
  );
}

/** The page with the client script in its head and the version and state on its body. */
function livePage(html: string, version: number, state: WatchState): string {
  return html
    .replace('</head>', `<script>${CLIENT_SCRIPT}</script>\n</head>`)
    .replace('<body>', `<body data-version="${version}" data-state="${state}">`);
}

/** Identity of run.json's current content: it is replaced by rename, and rewritten at every block. */
function signatureOf(dir: string): string {
  try {
    const st = fs.statSync(path.join(dir, RUN_INFO_FILE));
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return 'none';
  }
}

export async function serveRunFolder(dir: string, opts: WatchOptions = {}): Promise<WatchServer> {
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  let signature = '';
  let version = 0;
  let state: WatchState = 'waiting';
  let page = '';
  let refreshing: Promise<void> | null = null;
  const clients = new Set<http.ServerResponse>();

  const send = (res: http.ServerResponse) => res.write(`event: page\ndata: ${JSON.stringify({ version, state })}\n\n`);

  /** Rebuilds the page when the folder changed; resolves when the page is current. */
  const refresh = (): Promise<void> => {
    refreshing ??= (async () => {
      const now = signatureOf(dir);
      if (now === signature) return;
      let html: string;
      let next: WatchState;
      let message: string;
      if (now === 'none') {
        next = 'waiting';
        message = `no run in ${dir} yet`;
        html = standalonePage('superspike watch: waiting', `Waiting for a run in ${path.resolve(dir)} (no ${RUN_INFO_FILE} yet). This page updates by itself.`);
      } else {
        let folder: RunState;
        try {
          folder = runStateOf(dir, readRunInfo(dir));
        } catch (err) {
          folder = 'incomplete'; // run.json is written atomically: unreadable means not a run's
          if (!(err instanceof UserError)) throw err;
        }
        if (folder === 'starting') {
          next = 'waiting';
          message = `the run in ${dir} has just started and finished no block yet`;
          html = standalonePage('superspike watch: the run is starting', `${message}. This page updates by itself.`);
        } else {
          try {
            const built = await buildReport(dir, { allowRunning: true });
            next = built.inProgress ? 'running' : 'complete';
            message = next === 'running' ? 'the run is going' : 'the run has ended: the page is its final report';
            html = built.html;
          } catch (err) {
            // A run going (or one starting in the folder meanwhile) changes files under the reader:
            // keep the page and look again. Only a settled folder's refusal becomes the page.
            if (!(err instanceof UserError) || folder === 'running' || signatureOf(dir) !== now) return;
            next = 'incomplete';
            message = err.message;
            html = standalonePage('superspike watch: no report', err.message);
          }
        }
      }
      signature = now;
      version++;
      state = next;
      page = livePage(html, version, state);
      for (const res of clients) send(res);
      opts.onPage?.({ version, state, message });
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };

  const server = http.createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden: open the page as http://127.0.0.1:PORT/\n');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('only GET\n');
    } else if (url.pathname === '/') {
      refresh().then(
        () => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
      );
    } else if (url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      clients.add(res);
      if (version > 0) send(res);
      req.on('close', () => clients.delete(res));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });

  const poll = setInterval(() => void refresh().catch(() => {}), pollMs);
  const keepalive = setInterval(() => {
    for (const res of clients) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  poll.unref();
  keepalive.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot serve on 127.0.0.1:${opts.port ?? DEFAULT_WATCH_PORT}: ${err.code === 'EADDRINUSE' ? 'the port is in use (choose another with --port, or 0 for any)' : err.message}`)));
    server.listen(opts.port ?? DEFAULT_WATCH_PORT, '127.0.0.1', () => resolve());
  });
  await refresh();
  const { port } = server.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async ({ graceMs = 0 } = {}) => {
      if (closed) return;
      closed = true;
      if (graceMs > 0) {
        await refresh().catch(() => {});
        if (clients.size > 0) await new Promise((resolve) => setTimeout(resolve, graceMs));
      }
      await new Promise<void>((resolve) => {
        clearInterval(poll);
        clearInterval(keepalive);
        for (const res of clients) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
