// The sandbox page against the command line, in headless Chromium, with
// the network guard on throughout: after the page's own static files,
// nothing at all may be requested while checking, fixing or sharing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync, deflateRawSync } from 'node:zlib';
import { serve, launch, open, nextRun, runs, ngxfix, ROOT, DIST } from './harness.mjs';

let browser;
let server;
before(async () => {
  browser = await launch();
  server = await serve();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const INCIDENT = join(ROOT, 'examples', 'incident-502');
const KEEPALIVE = join(ROOT, 'examples', 'keepalive-502');

/** A fresh folder holding `files` ({name: source path or text}). */
function folder(files) {
  const dir = mkdtempSync(join(tmpdir(), 'ngxfix-sandbox-'));
  for (const [name, from] of Object.entries(files)) {
    if (from.startsWith('/')) copyFileSync(from, join(dir, name));
    else writeFileSync(join(dir, name), from);
  }
  return dir;
}

/** Open the page and choose `paths` with `#open`; wait for their check. */
async function openWith(paths) {
  const opened = await open(browser, server.origin);
  const before = await runs(opened.page, 'checks');
  const input = await opened.page.$('input[type=file]#open');
  await input.uploadFile(...paths);
  await nextRun(opened.page, 'checks', before);
  return opened;
}

/** Set the nginx version and wait for the check it starts. */
async function setVersion(page, version) {
  const before = await runs(page, 'checks');
  await page.$eval(
    '#nginx-version',
    (input, version) => {
      input.value = version;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    version,
  );
  await nextRun(page, 'checks', before);
}

/** The page's findings: `rule path:line` each. */
function shownFindings(page) {
  return page.$$eval('#findings li[data-rule]', (items) =>
    items.map((li) => `${li.dataset.rule} ${li.dataset.path}:${li.dataset.line}`),
  );
}

/** The CLI's findings, in the same form. */
function cliFindings(args, cwd) {
  const report = JSON.parse(ngxfix(['check', '--format', 'json', ...args], cwd));
  return report.findings.map((f) => `${f.rule} ${f.path}:${f.start.line}`);
}

/** The diff the page shows once its fix run is done. */
async function shownDiff(page) {
  return page.$eval('#diff', (pre) => pre.textContent);
}

/** Wait for the fix run that follows the latest check. */
async function settledFix(page) {
  await page.waitForFunction(
    () => Number(document.body.dataset.fixes ?? 0) >= Number(document.body.dataset.checks ?? 0),
    { timeout: 30_000 },
  );
}

/**
 * Approve (or reject) every listed change, one click at a time, until
 * none is left to answer: approving one can bring the next (a pass of
 * the fix loop that only runs on its result).
 */
async function answerAll(page, approve) {
  const answered = [];
  for (let round = 0; round < 20; round += 1) {
    const keys = await page.$$eval(
      '#fixes li[data-key]',
      (items, approve) =>
        items.filter((li) => li.querySelector('input[type=checkbox]').checked !== approve).map((li) => li.dataset.key),
      approve,
    );
    if (keys.length === 0) return answered;
    // The list is drawn again after each answer: find the box anew.
    await toggle(page, keys[0]);
    answered.push(keys[0]);
  }
  throw new Error('changes kept coming after 20 answers');
}

/** Click the box of the change `key`, and wait for the new diff. */
async function toggle(page, key) {
  const before = await runs(page, 'fixes');
  await page.click(`#fixes li[data-key="${key}"] input[type=checkbox]`);
  await nextRun(page, 'fixes', before);
}

test('the incident config: the same findings and byte-identical diffs as the CLI', async () => {
  const dir = folder({ 'nginx.conf': join(INCIDENT, 'nginx.conf'), 'mime.types': join(INCIDENT, 'mime.types') });
  const { page, guard, problems } = await openWith([join(dir, 'nginx.conf'), join(dir, 'mime.types')]);
  // Before 1.29.7 the pool must be configured by hand: an unsafe fix,
  // until the backend is declared.
  await setVersion(page, '1.24.0');
  await settledFix(page);
  const args = ['--nginx-version', '1.24.0', 'nginx.conf'];
  assert.deepEqual(await shownFindings(page), cliFindings(args, dir));
  assert.ok((await shownFindings(page)).length > 0);
  assert.equal(await shownDiff(page), ngxfix(['fix', '--dry-run', '--no-verify', ...args], dir));
  // The safe fixes are applied (the security rules' `server_tokens off`);
  // the keepalive ones, unsafe, wait for an answer.
  const safe = await shownDiff(page);
  assert.ok(safe.includes('+    server_tokens off;'), safe);
  for (const held of ['keepalive 32', 'proxy_http_version', 'Connection ""']) {
    assert.ok(!safe.includes(held), `unsafe fixes wait for an answer: ${held}`);
  }

  // Approving every unsafe change gives `fix --unsafe-fixes`.
  const keys = await answerAll(page, true);
  assert.ok(keys.length > 0, 'the held-back fixes are listed');
  const unsafe = ngxfix(['fix', '--dry-run', '--no-verify', '--unsafe-fixes', ...args], dir);
  assert.ok(unsafe.length > 0);
  assert.equal(await shownDiff(page), unsafe);
  assert.deepEqual(guard.after(), [], 'nothing is requested while checking and fixing');
  assert.deepEqual(guard.foreign(), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('declaring the backend is --backend: the fix becomes safe', async () => {
  const dir = folder({ 'nginx.conf': join(INCIDENT, 'nginx.conf'), 'mime.types': join(INCIDENT, 'mime.types') });
  const { page, guard } = await openWith([join(dir, 'nginx.conf'), join(dir, 'mime.types')]);
  await setVersion(page, '1.30.0');
  const before = await runs(page, 'checks');
  await page.select('#backends .backend-row[data-upstream="app_backend"] select.backend-kind', 'gunicorn');
  await nextRun(page, 'checks', before);
  await settledFix(page);
  const args = ['--nginx-version', '1.30.0', '--backend', 'app_backend=gunicorn', 'nginx.conf'];
  assert.deepEqual(await shownFindings(page), cliFindings(args, dir));
  const diff = ngxfix(['fix', '--dry-run', '--no-verify', ...args], dir);
  assert.match(diff, /\+\s+keepalive_timeout 1s;/);
  assert.equal(await shownDiff(page), diff);
  assert.deepEqual(guard.after(), []);
  await page.close();
});

test('a tree of files opened without their folders, and rejecting a change', async () => {
  const { page, guard } = await openWith([join(KEEPALIVE, 'nginx.conf'), join(KEEPALIVE, 'conf.d', 'app.conf')]);
  await setVersion(page, '1.24.0');
  await settledFix(page);
  // app.conf is placed where `include conf.d/*.conf;` reads it.
  const args = ['--nginx-version', '1.24.0', 'nginx.conf'];
  assert.deepEqual(await shownFindings(page), cliFindings(args, KEEPALIVE));
  assert.ok((await shownFindings(page)).some((f) => f.includes('conf.d/app.conf')));
  const tabs = await page.$eval('#file-tabs', (list) => list.textContent);
  assert.ok(tabs.includes('conf.d/app.conf'), `the page names the file where it was placed: ${tabs}`);
  const notes = await page.$eval('#notes', (list) => list.textContent);
  assert.ok(notes.includes('app.conf read as conf.d/app.conf'), notes);
  // Approve all, then reject one: the diff changes, and back.
  const keys = await answerAll(page, true);
  const all = await shownDiff(page);
  assert.equal(all, ngxfix(['fix', '--dry-run', '--no-verify', '--unsafe-fixes', ...args], KEEPALIVE));
  await toggle(page, keys[0]);
  const fewer = await shownDiff(page);
  assert.notEqual(fewer, all, 'rejecting a change changes the diff');
  await toggle(page, keys[0]);
  assert.equal(await shownDiff(page), all, 'approving it again restores the diff');
  assert.deepEqual(guard.after(), []);
  await page.close();
});

test('an nginx -T dump', async () => {
  const main = readFileSync(join(KEEPALIVE, 'nginx.conf'), 'utf8');
  const site = readFileSync(join(KEEPALIVE, 'conf.d', 'app.conf'), 'utf8');
  const dumpText =
    'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n' +
    'nginx: configuration file /etc/nginx/nginx.conf test is successful\n' +
    `# configuration file /etc/nginx/nginx.conf:\n${main.replace('include conf.d/*.conf;', 'include /etc/nginx/conf.d/*.conf;')}\n` +
    `# configuration file /etc/nginx/conf.d/app.conf:\n${site}\n`;
  const dir = folder({ 'nginx-T.txt': dumpText });
  const { page, guard } = await openWith([join(dir, 'nginx-T.txt')]);
  await setVersion(page, '1.24.0');
  await settledFix(page);
  const shown = await shownFindings(page);
  assert.deepEqual(shown, cliFindings(['--nginx-version', '1.24.0', 'nginx-T.txt'], dir));
  assert.ok(shown.some((f) => f.includes('/etc/nginx/conf.d/app.conf')), shown.join('\n'));
  assert.deepEqual(guard.after(), []);
  await page.close();
});

test('a syntax error shows ngxfix\'s message and where it is', async () => {
  const dir = folder({ 'nginx.conf': 'http {\n    server {\n        listen 80\n    }\n}\n' });
  const { page, guard } = await openWith([join(dir, 'nginx.conf')]);
  const error = await page.$eval('#error', (pre) => (pre.hidden ? '' : pre.textContent));
  let cli = '';
  try {
    ngxfix(['check', 'nginx.conf'], dir);
  } catch (failure) {
    cli = failure.stderr;
  }
  assert.match(error, /^nginx\.conf:4:5: /);
  assert.ok(error.includes('^'), error);
  // The CLI's message, less its `error: ` prefix.
  assert.equal(`error: ${error.trim()}`, cli.trim());
  assert.equal((await shownFindings(page)).length, 0);
  assert.deepEqual(guard.after(), []);
  await page.close();
});

const SECRETS = ['sk_live_4f9aQ2xZ8rT1mK7pL0vB', 'hunter2pass', 'c2VjcmV0OnBhc3N3b3Jk'];

test('share safely: the link carries the redacted config in its fragment only, and restores the page', async () => {
  const conf =
    'http {\n  upstream app { server 127.0.0.1:8000; }\n  server {\n    listen 80;\n' +
    `    location / {\n      proxy_set_header Authorization "Bearer ${SECRETS[0]}";\n` +
    `      proxy_set_header X-Basic "Basic ${SECRETS[2]}";\n` +
    `      proxy_pass http://app;\n    }\n    location /old { proxy_pass http://deploy:${SECRETS[1]}@127.0.0.1:9000; }\n  }\n}\n`;
  const dir = folder({ 'nginx.conf': conf });
  const { page, guard } = await openWith([join(dir, 'nginx.conf')]);
  await page.click('#share');
  await page.waitForFunction(() => document.querySelector('#share-link').value.includes('#s='), { timeout: 30_000 });
  const link = await page.$eval('#share-link', (input) => input.value);
  const url = new URL(link);
  assert.equal(url.search, '', 'nothing in the query string');
  for (const secret of SECRETS) {
    assert.ok(!link.includes(secret), `${secret} in the link`);
  }
  const state = inflateRawSync(Buffer.from(url.hash.slice('#s='.length), 'base64url')).toString();
  for (const secret of SECRETS) {
    assert.ok(!state.includes(secret), `${secret} in the link's state: ${state}`);
    for (const part of [secret.slice(0, 8), secret.slice(-8)]) {
      assert.ok(!state.includes(part), `part of ${secret} (${part}) in the link's state`);
    }
  }
  const report = await page.$eval('#redaction-report', (pre) => pre.textContent);
  assert.match(report, /redacted \d+ values? in 1 file/);
  assert.deepEqual(guard.after(), [], 'sharing requests nothing');

  const restored = await open(browser, server.origin, link);
  const text = await restored.page.$eval('#editor', (area) => area.value);
  assert.ok(text.includes('proxy_pass http://app;'), text);
  for (const secret of SECRETS) assert.ok(!text.includes(secret));
  assert.ok((await restored.page.$$('#findings li[data-rule]')).length >= 0);
  assert.deepEqual(restored.guard.foreign(), []);
  await restored.page.close();
  await page.close();
});

test('a link that unpacks to gigabytes is refused, and the page stays usable', async () => {
  // 200 MiB of spaces in a JSON string: about 200 KB of deflate.
  const bomb = Buffer.concat([Buffer.from('{"files":[{"path":"nginx.conf","text":"'), Buffer.alloc(200 << 20, 0x20), Buffer.from('"}]}')]);
  const link = `${server.origin}/#s=${deflateRawSync(bomb, { level: 9 }).toString('base64url')}`;
  const { page, guard } = await open(browser, server.origin, link);
  const status = await page.$eval('#share-status', (s) => s.textContent);
  assert.match(status, /unpacks to more than 16 MiB/);
  assert.ok((await page.$$('#findings li[data-rule]')).length > 0, 'the example is shown and checked instead');
  assert.deepEqual(guard.after(), []);
  await page.close();
});

test('an error log gets diagnose\'s report', async () => {
  const { page, guard } = await open(browser, server.origin);
  const log =
    '2026/12/07 10:00:00 [error] 1234#1234: *5 upstream prematurely closed connection while reading response header from upstream, client: 192.0.2.1, server: app.example.com, request: "POST /api HTTP/1.1", upstream: "http://127.0.0.1:8000/api", host: "app.example.com"\n';
  await page.$eval('#error-log', (area, log) => {
    area.value = log;
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }, log);
  await page.click('#diagnose');
  await page.waitForFunction(() => document.querySelector('#diagnosis').textContent.length > 0, { timeout: 30_000 });
  const report = await page.$eval('#diagnosis', (pre) => pre.textContent);
  // The page holds the bundled example (the incident's nginx.conf): its
  // upstream blocks are traced as `diagnose --config` traces them.
  const dir = folder({
    'error.log': log,
    'nginx.conf': join(INCIDENT, 'nginx.conf'),
    'mime.types': join(INCIDENT, 'mime.types'),
  });
  const cli = ngxfix(['diagnose', '--config', 'nginx.conf', 'error.log'], dir);
  const expected = cli.split('\nConfiguration, checked')[0];
  assert.ok(expected.includes('upstream app_backend (nginx.conf:23)'), expected);
  assert.equal(report.trimEnd(), expected.trimEnd());
  assert.deepEqual(guard.after(), []);
  await page.close();
});

test('the single-file build works from file:// and requests nothing', async () => {
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  const url = pathToFileURL(join(DIST, 'ngxfix-sandbox.html')).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  assert.ok((await page.$$('#findings li[data-rule]')).length > 0, 'the example is checked');
  assert.deepEqual(requests.filter((r) => r !== url && !r.startsWith('data:')), []);
  assert.deepEqual(problems, []);
  await page.close();
});
