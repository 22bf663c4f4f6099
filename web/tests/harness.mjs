// What the browser tests share: a static server for web/dist on
// 127.0.0.1, Debian's Chromium driven by puppeteer-core, and the network
// guard that records every request a page makes.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(WEB, '..');
export const DIST = join(WEB, 'dist');
/** The files of web/dist a page may fetch: its own static files. */
export const STATIC = ['/', '/index.html', '/style.css', '/app.js', '/ngxfix_web.js', '/ngxfix_web_bg.wasm'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.json': 'application/json',
};

/**
 * Serve `dir` on 127.0.0.1 (a free port). The server keeps its own log of
 * every request it answered: a second witness besides the browser's.
 */
export async function serve(dir = DIST, { transform } = {}) {
  const log = [];
  const server = createServer(async (req, res) => {
    log.push({ method: req.method, url: req.url });
    const path = new URL(req.url, 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      let body = await readFile(file);
      if (transform) body = transform(path, body);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    log,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

export const CHROMIUM = process.env.NGXFIX_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium with the browser's own background traffic off. */
export function launch() {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    protocolTimeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
    ],
  });
}

/** Whether a URL leaves the tab: anything but data: and blob: URLs. */
const isNetwork = (url) => !/^(data|blob|about):/.test(url);

/**
 * Records every request a page makes, two ways: puppeteer's request
 * interception (which also aborts anything not for `origin`, so a leak
 * in a test goes nowhere) and the DevTools protocol's Network domain
 * (requests, WebSockets, WebTransport). `mark()` splits the record at the
 * end of loading; `after()` is what came since.
 */
export class NetworkGuard {
  constructor(page, origin) {
    this.page = page;
    this.origin = origin;
    this.intercepted = [];
    this.protocol = [];
    this.marked = { intercepted: 0, protocol: 0 };
  }

  async start() {
    await this.page.setRequestInterception(true);
    this.page.on('request', (request) => {
      const url = request.url();
      if (!isNetwork(url)) {
        request.continue();
        return;
      }
      this.intercepted.push({ url, type: request.resourceType(), method: request.method() });
      if (new URL(url).origin === this.origin) request.continue();
      else request.abort('blockedbyclient');
    });
    const cdp = await this.page.createCDPSession();
    await cdp.send('Network.enable');
    const note = (kind) => (event) => {
      const url = event.request?.url ?? event.url;
      if (url && isNetwork(url)) this.protocol.push({ kind, url });
    };
    cdp.on('Network.requestWillBeSent', note('request'));
    cdp.on('Network.webSocketCreated', note('websocket'));
    cdp.on('Network.webTransportCreated', note('webtransport'));
    // WebRTC is not seen by either: count the peer connections the page
    // opens instead (the page has no reason to open one).
    await this.page.evaluateOnNewDocument(() => {
      const Real = window.RTCPeerConnection;
      window.__peerConnections = 0;
      if (Real) {
        window.RTCPeerConnection = function (...args) {
          window.__peerConnections += 1;
          return new Real(...args);
        };
      }
    });
    return this;
  }

  /** Everything recorded so far is loading; what comes later is not. */
  mark() {
    this.marked = { intercepted: this.intercepted.length, protocol: this.protocol.length };
  }

  /** Requests since `mark()`, by either witness. */
  after() {
    return [
      ...this.intercepted.slice(this.marked.intercepted).map((r) => `${r.method} ${r.url} (${r.type})`),
      ...this.protocol.slice(this.marked.protocol).map((r) => `${r.kind} ${r.url}`),
    ];
  }

  /** Requests for anything but the page's own static files. */
  foreign(allowed = STATIC) {
    const own = (url) => {
      const u = new URL(url);
      return u.origin === this.origin && allowed.includes(u.pathname) && u.search === '';
    };
    return [
      ...this.intercepted.filter((r) => !own(r.url)).map((r) => `${r.method} ${r.url} (${r.type})`),
      ...this.protocol.filter((r) => !own(r.url)).map((r) => `${r.kind} ${r.url}`),
    ];
  }

  async peerConnections() {
    return this.page.evaluate(() => window.__peerConnections ?? 0);
  }
}

/** A page with the guard on, console errors collected, opened at `url`. */
export async function open(browser, origin, url = `${origin}/`) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const guard = await new NetworkGuard(page, origin).start();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  guard.mark();
  return { page, guard, problems };
}

/** Wait until the page has finished `count` more runs of `what` (`checks` or `fixes`). */
export async function nextRun(page, what, before) {
  await page.waitForFunction(
    (what, before) => Number(document.body.dataset[what] ?? 0) > before,
    { timeout: 30_000 },
    what,
    before,
  );
}

export async function runs(page, what) {
  return page.evaluate((what) => Number(document.body.dataset[what] ?? 0), what);
}

/** The ngxfix binary the tests compare with (built by cargo). */
export const NGXFIX = process.env.NGXFIX_BIN ?? join(ROOT, 'target', 'debug', 'ngxfix');

/** Run ngxfix in `cwd`; its standard output (exit status 0 or 1). */
export function ngxfix(args, cwd) {
  try {
    return execFileSync(NGXFIX, args, { cwd, env: { ...process.env, NGXFIX_NGINX: '' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (error.status === 1) return error.stdout;
    throw error;
  }
}
