// The browser page's budgets, measured in Debian's headless Chromium (not
// a test: timings flake on shared machines; the figures go to
// docs/sandbox.md and docs/benchmarks.md).
//
//   web/build.sh && node benches/sandbox.mjs
//
// - page ready: navigation start to `body[data-ready="true"]` (the engine
//   compiled and instantiated, the rules loaded, the example checked),
//   served from 127.0.0.1, cache off; median and best of 7 loads;
// - check of a generated 200 KB configuration (server blocks proxying to
//   pooled upstreams, two findings each) by the engine in the page:
//   `engine.check`, median and best of 9; and the page's own round trip,
//   from an edit to the findings drawn (its 150 ms debounce taken out);
// - transfer: each file of web/dist gzip -9 and brotli (what a static
//   host sends), and the single-file build.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { serve, launch, DIST } from '../web/tests/harness.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs) => Math.min(...xs);
const ms = (x) => `${x.toFixed(1)} ms`;
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

/** About `bytes` of configuration: upstreams and servers proxying to them. */
function config(bytes) {
  let text = 'events {}\nhttp {\n';
  let i = 0;
  while (text.length < bytes) {
    text += `    upstream app${i} {\n        server 10.0.${i % 250}.${i % 200}:8000;\n        keepalive 16;\n    }\n`;
    text += `    server {\n        listen 80;\n        server_name s${i}.example.com;\n        location / {\n            proxy_pass http://app${i};\n            proxy_set_header Host $host;\n        }\n        location /static/ {\n            root /srv/s${i};\n        }\n    }\n`;
    i += 1;
  }
  return `${text}}\n`;
}

const server = await serve();
const browser = await launch();
try {
  const ready = [];
  for (let run = 0; run < 7; run += 1) {
    const page = await browser.newPage();
    await page.setCacheEnabled(false);
    await page.evaluateOnNewDocument(() => {
      new MutationObserver((_, observer) => {
        if (document.body?.dataset.ready === 'true') {
          window.__readyAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
    });
    await page.goto(`${server.origin}/`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]');
    ready.push(await page.evaluate(() => window.__readyAt));
    await page.close();
  }

  const text = config(200 * 1024);
  const page = await browser.newPage();
  await page.goto(`${server.origin}/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]');
  const engine = await page.evaluate((text) => {
    // eslint-disable-next-line no-undef
    const engine = new wasm_bindgen.Engine();
    const request = JSON.stringify({ files: [{ path: 'nginx.conf', text }], nginx_version: '1.24.0' });
    const times = [];
    let findings = 0;
    for (let run = 0; run < 9; run += 1) {
      const start = performance.now();
      const answer = JSON.parse(engine.check(request));
      times.push(performance.now() - start);
      findings = answer.report.findings.length;
    }
    return { times, findings };
  }, text);
  // The page's round trip: an edit, the debounce, check, findings drawn.
  const round = [];
  for (let run = 0; run < 5; run += 1) {
    round.push(
      await page.evaluate(async (text) => {
        const before = Number(document.body.dataset.checks ?? 0);
        const editor = document.querySelector('#editor');
        const start = performance.now();
        editor.value = `${text}# edit ${Math.random()}\n`;
        editor.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise((done) => {
          const wait = () => (Number(document.body.dataset.checks ?? 0) > before ? done() : requestAnimationFrame(wait));
          wait();
        });
        return performance.now() - start - 150;
      }, text),
    );
  }
  await page.close();

  const files = readdirSync(DIST).filter((f) => f !== 'ngxfix-sandbox.html');
  let gz = 0;
  let br = 0;
  let raw = 0;
  for (const file of files) {
    const bytes = readFileSync(join(DIST, file));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
    br += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  const single = readFileSync(join(DIST, 'ngxfix-sandbox.html'));

  console.log('| measure | figure | budget |');
  console.log('|---|---:|---:|');
  console.log(`| page ready (median, best of 7) | ${ms(median(ready))} (${ms(best(ready))}) | ≤ 1 s |`);
  console.log(
    `| \`engine.check\` of ${kb(text.length)} (${engine.findings} findings; median, best of 9) | ${ms(median(engine.times))} (${ms(best(engine.times))}) | ≤ 100 ms |`,
  );
  console.log(`| edit to findings drawn, ${kb(text.length)}, debounce taken out (median of 5) | ${ms(median(round))} | |`);
  console.log(`| transfer, web/dist (${files.length} files, ${kb(raw)} raw) | ${kb(gz)} gzip, ${kb(br)} brotli | ≤ 1.2 MB |`);
  console.log(`| single file (ngxfix-sandbox.html) | ${kb(single.length)} raw, ${kb(gzipSync(single, { level: 9 }).length)} gzip | |`);
} finally {
  await browser.close();
  await server.close();
}
