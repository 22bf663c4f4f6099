// Builds web/dist/ngxfix-sandbox.html: the page as ONE self-contained file
// that works when opened from file:// (no request at all: the stylesheet,
// the wasm-bindgen glue, the WebAssembly module, as base64, and app.js are
// inlined). Its Content-Security-Policy allows exactly its own inline
// script and style, by their sha256, and WebAssembly compilation.
//
//   node web/tools/inline.mjs [DIST]     (DIST defaults to web/dist)
//
// Reads DIST/index.html, style.css, ngxfix_web.js, ngxfix_web_bg.wasm and
// app.js; writes DIST/ngxfix-sandbox.html. No dependencies.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.argv[2] || join(here, '..', 'dist');

const read = (name) => readFileSync(join(dist, name), 'utf8');
const html = read('index.html');
const css = read('style.css');
const glue = read('ngxfix_web.js');
const app = read('app.js');
const wasm = readFileSync(join(dist, 'ngxfix_web_bg.wasm'));

function fail(message) {
  console.error('inline.mjs: ' + message);
  process.exit(1);
}

// Text that would end or confuse an inline <script>/<style> element.
for (const [name, text, bad] of [
  ['ngxfix_web.js', glue, [/<\/script/i, /<!--/]],
  ['app.js', app, [/<\/script/i, /<!--/]],
  ['style.css', css, [/<\/style/i]],
]) {
  for (const re of bad) {
    if (re.test(text)) fail(`${name} contains ${re}: it cannot be inlined as is`);
  }
}

// One classic script: the glue (which declares the global `wasm_bindgen`),
// the module as base64 (app.js decodes it and passes the bytes as
// module_or_path, so nothing is fetched), then the page's script.
const script = [
  glue,
  `var NGXFIX_WASM_BASE64 = "${wasm.toString('base64')}";`,
  app,
].join('\n');

const hash = (text) => "'sha256-" + createHash('sha256').update(text, 'utf8').digest('base64') + "'";

const csp = [
  "default-src 'none'",
  `script-src ${hash(script)} 'wasm-unsafe-eval'`,
  `style-src ${hash(css)}`,
  "connect-src 'none'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let out = html;
const replaceOnce = (pattern, replacement, what) => {
  const matches = out.match(new RegExp(pattern.source, 'g')) || [];
  if (matches.length !== 1) fail(`index.html: expected one ${what}, found ${matches.length}`);
  // a function, so that `$` in the replacement is taken literally
  out = out.replace(pattern, () => replacement);
};

replaceOnce(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`, 'CSP meta');
replaceOnce(/<link rel="stylesheet" href="style\.css">/, `<style>${css}</style>`, 'stylesheet link');
replaceOnce(/\s*<script src="ngxfix_web\.js" defer><\/script>/, '', 'glue script tag');
replaceOnce(/\s*<script src="app\.js" defer><\/script>/, '', 'app script tag');
// At the end of <body>: the page is parsed when the script runs.
replaceOnce(/<\/body>/, `<script>${script}</script>\n</body>`, '</body>');

writeFileSync(join(dist, 'ngxfix-sandbox.html'), out);
