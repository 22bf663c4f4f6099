// ngxfix sandbox page: the engine (web/src, compiled to WebAssembly) runs
// in this tab; this script holds the files, sends them to the engine as
// JSON and shows what comes back. It makes no network request: the only
// one is the glue's own load of ngxfix_web_bg.wasm in web/dist (none at
// all in the single-file page, which carries the module inline).
'use strict';

(function () {
  // The incident the project answers (examples/incident-502): nginx 1.30
  // in front of gunicorn with threaded workers, whose 2s keepalive is
  // shorter than nginx's 60s upstream keepalive_timeout.
  const EXAMPLE = {
    files: [
      { path: 'nginx.conf', text: "# The configuration from the incident write-up: after an upgrade to nginx\n# 1.30, POSTs to the app started failing now and then with 502, and the\n# error log said\n#   recv() failed (104: Connection reset by peer) while reading response header from upstream\n# The app is gunicorn with gthread workers (keepalive: 2s).\nuser www-data;\nworker_processes auto;\npid /run/nginx.pid;\n\nevents {\n    worker_connections 768;\n}\n\nhttp {\n    include mime.types;\n    default_type application/octet-stream;\n    sendfile on;\n\n    # \"Set keepalive_timeout below the backend's!\" This is the client side:\n    # it never touches connections to the app.\n    keepalive_timeout 75s;\n\n    upstream app_backend {\n        server 127.0.0.1:8000;\n    }\n\n    server {\n        listen 80;\n        server_name app.example.com;\n\n        proxy_set_header Host $host;\n        proxy_set_header X-Real-IP $remote_addr;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_set_header X-Forwarded-Proto $scheme;\n\n        location / {\n            proxy_pass http://app_backend;\n            proxy_read_timeout 30s;\n        }\n\n        location /static/ {\n            root /srv/app;\n        }\n    }\n}\n" },
      { path: 'mime.types', text: "# The types this example serves (a distribution's mime.types lists hundreds);\n# here so that the example reads and passes `nginx -t` on any machine.\ntypes {\n    text/html                 html htm;\n    text/css                  css;\n    application/javascript    js;\n    application/json          json;\n    image/png                 png;\n    image/svg+xml             svg;\n}\n" },
    ],
    nginx_version: '1.30.0',
    backends: { app_backend: 'gunicorn' },
  };

  const CHECK_DELAY_MS = 150;
  const DURATION = '=duration';

  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const el = {
    loading: $('loading'),
    engineVersion: $('engine-version'),
    open: $('open'),
    newForm: $('new-file-form'),
    newName: $('new-name'),
    loadExample: $('load-example'),
    tabs: $('file-tabs'),
    editor: $('editor'),
    gutterInner: $('gutter-inner'),
    gutterNumbers: $('gutter-numbers'),
    gutterMarks: $('gutter-marks'),
    lineMarks: $('line-marks'),
    version: $('nginx-version'),
    versionNote: $('version-note'),
    context: $('context'),
    entryField: $('entry-field'),
    entry: $('entry'),
    backends: $('backends'),
    summary: $('summary'),
    error: $('error'),
    notes: $('notes'),
    findings: $('findings'),
    fixes: $('fixes'),
    fixStatus: $('fix-status'),
    reverted: $('reverted'),
    diff: $('diff'),
    copyDiff: $('copy-diff'),
    download: $('download'),
    downloads: $('downloads'),
    copyStatus: $('copy-status'),
    redactHosts: $('redact-hosts'),
    share: $('share'),
    shareLink: $('share-link'),
    copyLink: $('copy-link'),
    shareStatus: $('share-status'),
    redactionReport: $('redaction-report'),
    redactedFiles: $('redacted-files'),
    errorLog: $('error-log'),
    diagnose: $('diagnose'),
    diagnosis: $('diagnosis'),
  };

  const state = {
    files: [], // [{path, text}]
    active: 0,
    entry: '', // '' = the engine's choice
    version: '', // '' = assumed
    context: '', // '' = inferred
    backends: {}, // upstream -> spec
    decisions: {}, // proposal key -> approved
    placed: [], // [{to, note}]: files the engine placed by their includes
    pristine: true, // still the untouched example
    upstreams: [],
    check: null, // last check answer
    fix: null, // last fix answer
    expanded: new Set(), // rules whose "why?" is open
  };

  let engine = null;
  let kinds = [];
  let kindNames = new Set();
  let assumed = '';
  let checks = 0;
  let fixRuns = 0;
  let timer = 0;
  let lineCount = -1;
  let backendRowsKey = null;
  let selectedLine = 0;
  const explained = new Map();

  // ---- engine calls ----------------------------------------------------

  function call(method, req, ...rest) {
    try {
      return JSON.parse(engine[method](JSON.stringify(req), ...rest));
    } catch (e) {
      return { ok: false, error: { message: 'the engine failed: ' + (e && e.message ? e.message : String(e)), path: null, line: null, col: null } };
    }
  }

  function request(extra) {
    const req = { files: state.files.map((f) => ({ path: f.path, text: f.text })) };
    const version = state.version.trim();
    if (version) req.nginx_version = version;
    const backends = {};
    for (const [upstream, spec] of Object.entries(state.backends)) {
      if (spec && spec.trim()) backends[upstream] = spec.trim();
    }
    if (Object.keys(backends).length) req.backends = backends;
    if (state.context) req.context = state.context;
    if (state.entry && state.files.some((f) => f.path === state.entry)) req.entry = state.entry;
    return Object.assign(req, extra || {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(analyze, CHECK_DELAY_MS);
  }

  // check, then fix with the current decisions
  function analyze() {
    clearTimeout(timer);
    let req = request();
    const checked = call('check', req);
    if (checked.ok && checked.placed && checked.placed.length) {
      // A browser gives file names without folders: the engine placed
      // these where an include reads them; the page names them so too
      // (the notes say where), and fixes, downloads and findings agree.
      for (const moved of checked.placed) {
        const file = state.files.find((f) => f.path === moved.from);
        if (file) file.path = moved.to;
        // Said until other files are opened, not only by this check.
        state.placed.push({ to: moved.to, note: moved.note });
      }
      req = request();
    }
    state.check = checked;
    renderCheck(checked);
    checks += 1;
    body.dataset.checks = String(checks);
    if (checked.ok) {
      runFix(req);
    } else {
      state.fix = null;
      renderFix(null);
      fixRuns += 1;
      body.dataset.fixes = String(fixRuns);
    }
  }

  function runFix(req) {
    const fixed = call('fix', Object.assign(req || request(), { decisions: state.decisions }));
    state.fix = fixed;
    renderFix(fixed);
    fixRuns += 1;
    body.dataset.fixes = String(fixRuns);
  }

  // ---- files -------------------------------------------------------------

  function setFiles(files, settings) {
    state.files = files.map((f) => ({ path: String(f.path), text: String(f.text) }));
    state.active = 0;
    const main = state.files.findIndex((f) => baseName(f.path) === 'nginx.conf');
    if (main > 0) state.active = main;
    state.entry = '';
    state.context = '';
    state.decisions = {};
    state.placed = [];
    state.version = settings.nginx_version || '';
    state.backends = Object.assign({}, settings.backends || {});
    state.upstreams = [];
    backendRowsKey = null;
    el.version.value = state.version;
    el.context.value = '';
    renderFiles();
    loadEditor();
  }

  function loadExample() {
    setFiles(EXAMPLE.files, EXAMPLE);
    state.pristine = true;
  }

  function addFiles(list) {
    if (!list.length) return;
    if (state.pristine) {
      // the user's own files replace the example and its settings
      setFiles(list, {});
    } else {
      for (const f of list) {
        const at = state.files.findIndex((g) => g.path === f.path);
        if (at >= 0) state.files[at].text = f.text;
        else state.files.push({ path: f.path, text: f.text });
      }
      state.active = state.files.findIndex((g) => g.path === list[0].path);
      renderFiles();
      loadEditor();
    }
    state.pristine = false;
    analyze();
  }

  function removeFile(index) {
    const [gone] = state.files.splice(index, 1);
    if (state.entry === gone.path) state.entry = '';
    if (state.active >= state.files.length) state.active = Math.max(0, state.files.length - 1);
    state.pristine = false;
    renderFiles();
    loadEditor();
    analyze();
  }

  function selectFile(index) {
    if (index === state.active) return;
    state.active = index;
    renderFiles();
    loadEditor();
  }

  function newFile(name) {
    let path = name.trim();
    if (!path) {
      let n = 1;
      while (state.files.some((f) => f.path === 'untitled-' + n + '.conf')) n += 1;
      path = 'untitled-' + n + '.conf';
    }
    let at = state.files.findIndex((f) => f.path === path);
    if (at < 0) {
      state.files.push({ path, text: '' });
      at = state.files.length - 1;
    }
    state.pristine = false;
    state.active = at;
    renderFiles();
    loadEditor();
    el.editor.focus();
    analyze();
  }

  function backendFilePaths() {
    const paths = new Set();
    for (const spec of Object.values(state.backends)) {
      const parsed = parseSpec(spec);
      if (parsed.mode === 'kind' && parsed.file) paths.add(parsed.file);
    }
    return paths;
  }

  function renderFiles() {
    const focused = document.activeElement;
    const refocus = focused && focused.classList && focused.classList.contains('tab-pick') && el.tabs.contains(focused)
      ? focused.dataset.index : null;
    const frag = document.createDocumentFragment();
    const backendFiles = backendFilePaths();
    const read = state.check && state.check.ok ? state.check.read : null;
    state.files.forEach((f, i) => {
      const li = document.createElement('li');
      li.className = 'tab' + (i === state.active ? ' active' : '');
      const pick = document.createElement('button');
      pick.type = 'button';
      pick.className = 'tab-pick';
      pick.textContent = f.path;
      pick.dataset.index = String(i);
      if (i === state.active) pick.setAttribute('aria-current', 'true');
      let role = '';
      if (backendFiles.has(f.path)) role = 'backend';
      else if (read && read.length && read[0] === f.path) role = 'main';
      else if (read && !read.includes(f.path) && !isDump(f.text)) role = 'not read';
      if (role) {
        const tag = document.createElement('span');
        tag.className = 'tab-tag';
        tag.textContent = role;
        pick.append(' ', tag);
      }
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'tab-remove';
      remove.dataset.remove = String(i);
      remove.setAttribute('aria-label', 'Remove ' + f.path);
      remove.title = 'Remove ' + f.path;
      remove.textContent = '×';
      li.append(pick, remove);
      frag.append(li);
    });
    el.tabs.replaceChildren(frag);
    if (refocus !== null) {
      const again = el.tabs.querySelector('.tab-pick[data-index="' + refocus + '"]');
      if (again) again.focus();
    }

    // the main-file choice, when there is a choice
    el.entryField.hidden = state.files.length < 2;
    const opts = document.createDocumentFragment();
    const auto = document.createElement('option');
    auto.value = '';
    auto.textContent = 'auto (nginx.conf nearest the root, else the first)';
    opts.append(auto);
    for (const f of state.files) {
      const o = document.createElement('option');
      o.value = f.path;
      o.textContent = f.path;
      opts.append(o);
    }
    el.entry.replaceChildren(opts);
    el.entry.value = state.files.some((f) => f.path === state.entry) ? state.entry : '';
  }

  function loadEditor() {
    const f = state.files[state.active];
    el.editor.value = f ? f.text : '';
    el.editor.setAttribute('aria-label', f ? 'Contents of ' + f.path : 'Contents of a new file');
    el.editor.scrollTop = 0;
    el.editor.scrollLeft = 0;
    selectedLine = 0;
    updateGutter();
    renderMarks();
    syncScroll();
  }

  // ---- editor gutter and line marks ---------------------------------------

  function metrics() {
    const cs = getComputedStyle(el.editor);
    return { lh: parseFloat(cs.lineHeight) || 20, top: parseFloat(cs.paddingTop) || 0 };
  }

  function countLines(text) {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n += 1;
    return n;
  }

  function updateGutter() {
    const n = countLines(el.editor.value);
    if (n === lineCount) return;
    lineCount = n;
    const parts = new Array(n);
    for (let i = 0; i < n; i += 1) parts[i] = i + 1;
    el.gutterNumbers.textContent = parts.join('\n');
  }

  function syncScroll() {
    const y = -el.editor.scrollTop;
    el.gutterInner.style.transform = 'translateY(' + y + 'px)';
    el.lineMarks.style.transform = 'translateY(' + y + 'px)';
  }

  // Where a reported path:line is in the page's files: the file itself, or
  // the file holding an `nginx -T` dump that has it.
  function locate(path, line) {
    if (!path) return null;
    let at = state.files.findIndex((f) => f.path === path);
    if (at < 0) at = state.files.findIndex((f) => f.path.replace(/^\.\//, '') === path.replace(/^\.\//, ''));
    if (at >= 0) return { index: at, line: line || 1 };
    const header = '# configuration file ' + path + ':\n';
    for (let i = 0; i < state.files.length; i += 1) {
      const text = state.files[i].text;
      const pos = text.indexOf(header);
      if (pos < 0 || (pos > 0 && text[pos - 1] !== '\n')) continue;
      return { index: i, line: countLines(text.slice(0, pos)) + (line || 1) };
    }
    return null;
  }

  function isDump(text) {
    return /(^|\n)# configuration file [^\n]*:\n/.test(text);
  }

  // lines of the active file to mark: {line: class}
  function marksOfActive() {
    const marks = new Map();
    const rank = { 'mark-info': 1, 'mark-warning': 2, 'mark-error': 3, 'mark-failure': 4 };
    const put = (line, cls) => {
      const had = marks.get(line);
      if (!had || rank[cls] > rank[had]) marks.set(line, cls);
    };
    const c = state.check;
    if (c && c.ok) {
      for (const f of c.report.findings) {
        const at = locate(f.path, f.start && f.start.line);
        if (at && at.index === state.active) put(at.line, 'mark-' + f.severity);
      }
    } else if (c && c.error && c.error.path) {
      const at = locate(c.error.path, c.error.line);
      if (at && at.index === state.active) put(at.line, 'mark-failure');
    }
    return marks;
  }

  function renderMarks() {
    const { lh, top } = metrics();
    const gutter = document.createDocumentFragment();
    const lines = document.createDocumentFragment();
    const add = (line, cls) => {
      for (const [frag, kind] of [[gutter, 'gutter-mark'], [lines, 'line-mark']]) {
        const d = document.createElement('div');
        d.className = kind + ' ' + cls;
        d.style.top = (top + (line - 1) * lh) + 'px';
        d.style.height = lh + 'px';
        frag.append(d);
      }
    };
    for (const [line, cls] of marksOfActive()) add(line, cls);
    if (selectedLine) add(selectedLine, 'mark-selected');
    el.gutterMarks.replaceChildren(gutter);
    el.lineMarks.replaceChildren(lines);
  }

  function goTo(path, line) {
    const at = locate(path, line);
    if (!at) return;
    if (at.index !== state.active) {
      state.active = at.index;
      renderFiles();
      loadEditor();
    }
    const text = el.editor.value;
    let start = 0;
    for (let n = 1; n < at.line; n += 1) {
      const next = text.indexOf('\n', start);
      if (next < 0) break;
      start = next + 1;
    }
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    el.editor.focus({ preventScroll: true });
    el.editor.setSelectionRange(start, end);
    const { lh, top } = metrics();
    el.editor.scrollTop = Math.max(0, top + (at.line - 1) * lh - el.editor.clientHeight / 3);
    selectedLine = at.line;
    renderMarks();
    syncScroll();
  }

  // ---- check results ---------------------------------------------------------

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many || one + 's');
  }

  function renderCheck(c) {
    if (!c.ok) {
      el.error.textContent = c.error.message;
      el.error.hidden = false;
      el.findings.replaceChildren();
      el.notes.replaceChildren();
      el.summary.textContent = 'The configuration does not read: see the error below.';
      el.summary.className = 'summary has-error';
      renderVersionNote(null);
    } else {
      el.error.textContent = '';
      el.error.hidden = true;
      renderNotes(c.notes);
      renderFindings(c.report.findings);
      renderSummary(c.report.summary);
      renderVersionNote(c.version_note);
      state.upstreams = c.upstreams || [];
    }
    renderBackends(false);
    renderFiles();
    renderMarks();
  }

  function renderSummary(s) {
    if (!s.findings) {
      el.summary.textContent = 'No findings.';
      el.summary.className = 'summary clean';
      return;
    }
    const parts = [];
    if (s.errors) parts.push(plural(s.errors, 'error'));
    if (s.warnings) parts.push(plural(s.warnings, 'warning'));
    if (s.info) parts.push(s.info + ' info');
    el.summary.textContent = plural(s.findings, 'finding') + ': ' + parts.join(', ') + ' · ' + s.fixable + ' fixable';
    el.summary.className = 'summary' + (s.errors ? ' has-errors' : s.warnings ? ' has-warnings' : '');
  }

  function renderNotes(notes) {
    const frag = document.createDocumentFragment();
    const placed = state.placed.filter((p) => state.files.some((f) => f.path === p.to)).map((p) => p.note);
    for (const note of new Set([...placed, ...(notes || [])])) {
      const li = document.createElement('li');
      li.textContent = note;
      frag.append(li);
    }
    el.notes.replaceChildren(frag);
  }

  function renderVersionNote(note) {
    if (state.version.trim()) {
      el.versionNote.textContent = 'Checking for nginx ' + state.version.trim() + '.';
      return;
    }
    el.versionNote.textContent = note || 'Empty: nginx ' + assumed + ' is assumed.';
  }

  function renderFindings(findings) {
    const frag = document.createDocumentFragment();
    for (const f of findings) {
      const li = document.createElement('li');
      li.className = 'finding sev-' + f.severity;
      li.dataset.rule = f.rule;
      const line = f.start ? f.start.line : 0;
      const col = f.start ? f.start.column : 0;
      li.dataset.path = f.path;
      li.dataset.line = String(line);

      const head = document.createElement('div');
      head.className = 'finding-head';
      const sev = document.createElement('span');
      sev.className = 'sev';
      sev.textContent = f.severity;
      const rule = document.createElement('code');
      rule.className = 'rule';
      rule.textContent = f.rule;
      head.append(sev, ' ', rule);
      if (f.fix) {
        const badge = document.createElement('span');
        badge.className = 'badge ' + (f.fix.safety === 'safe' ? 'safe' : 'unsafe');
        badge.textContent = 'fixable (' + f.fix.safety + ')';
        head.append(' ', badge);
      }
      const why = document.createElement('button');
      why.type = 'button';
      why.className = 'why';
      why.textContent = 'why?';
      why.setAttribute('aria-expanded', 'false');
      head.append(' ', why);

      const where = document.createElement('button');
      where.type = 'button';
      where.className = 'goto';
      where.title = 'Show in the editor';
      where.textContent = f.path + ':' + line + ':' + col;
      const msg = document.createElement('p');
      msg.className = 'message';
      msg.append(where, ' ');
      inline(msg, f.message);
      li.append(head, msg);
      if (f.fix_unavailable) {
        const no = document.createElement('p');
        no.className = 'no-fix';
        no.textContent = 'No automatic fix: ' + f.fix_unavailable;
        li.append(no);
      }
      if (state.expanded.has(f.rule)) toggleExplain(li, why, true);
      frag.append(li);
    }
    el.findings.replaceChildren(frag);
  }

  function toggleExplain(li, button, open) {
    let panel = li.querySelector('.explain');
    if (!open) {
      if (panel) panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    if (!panel) {
      const rule = li.dataset.rule;
      if (!explained.has(rule)) explained.set(rule, engine.explain(rule));
      panel = document.createElement('div');
      panel.className = 'explain';
      panel.id = 'explain-' + Math.random().toString(36).slice(2);
      panel.append(markdown(explained.get(rule) || 'No explanation for ' + rule + '.'));
      li.append(panel);
      button.setAttribute('aria-controls', panel.id);
    }
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
  }

  // ---- backends --------------------------------------------------------------

  function parseSpec(spec) {
    const text = (spec || '').trim();
    if (!text) return { mode: '' };
    const m = /^([A-Za-z0-9_-]+)(@[^:]*)?(?::(.+))?$/.exec(text);
    if (m && kindNames.has(m[1])) return { mode: 'kind', kind: m[1], ver: m[2] || '', file: m[3] || '' };
    return { mode: 'duration', text };
  }

  function renderBackends(force) {
    const key = state.upstreams.join('\n') + '\u0000' + state.files.map((f) => f.path).join('\n');
    if (!force && key === backendRowsKey) return;
    backendRowsKey = key;
    const frag = document.createDocumentFragment();
    if (!state.upstreams.length) {
      const p = document.createElement('p');
      p.className = 'hint';
      p.textContent = 'No upstream{} block in the configuration.';
      frag.append(p);
    }
    state.upstreams.forEach((upstream, i) => {
      const spec = parseSpec(state.backends[upstream]);
      const row = document.createElement('div');
      row.className = 'backend-row';
      row.dataset.upstream = upstream;

      const label = document.createElement('label');
      label.htmlFor = 'backend-' + i;
      label.className = 'backend-name';
      label.append('upstream ');
      const code = document.createElement('code');
      code.textContent = upstream;
      label.append(code);

      const kind = document.createElement('select');
      kind.id = 'backend-' + i;
      kind.className = 'backend-kind';
      const none = new Option('unknown (not declared)', '');
      kind.append(none);
      for (const k of kinds) kind.append(new Option(k.name + ' (idle ' + k.idle + ')', k.name));
      kind.append(new Option('duration…', DURATION));
      kind.value = spec.mode === 'kind' ? spec.kind : spec.mode === 'duration' ? DURATION : '';

      const durLabel = document.createElement('label');
      durLabel.htmlFor = 'backend-' + i + '-duration';
      durLabel.className = 'visually-hidden';
      durLabel.textContent = 'Idle timeout of the backend of ' + upstream;
      const dur = document.createElement('input');
      dur.type = 'text';
      dur.id = 'backend-' + i + '-duration';
      dur.className = 'backend-duration';
      dur.placeholder = 'e.g. 75s';
      dur.spellcheck = false;
      dur.value = spec.mode === 'duration' ? spec.text : '';
      dur.hidden = spec.mode !== 'duration';

      const fileWrap = document.createElement('span');
      fileWrap.className = 'backend-file-wrap';
      const fileLabel = document.createElement('label');
      fileLabel.htmlFor = 'backend-' + i + '-file';
      fileLabel.textContent = 'its file';
      const file = document.createElement('select');
      file.id = 'backend-' + i + '-file';
      file.className = 'backend-file';
      file.append(new Option('none (the kind\'s default)', ''));
      for (const f of state.files) file.append(new Option(f.path, f.path));
      if (spec.mode === 'kind' && spec.file && !state.files.some((f) => f.path === spec.file)) {
        file.append(new Option(spec.file + ' (not open)', spec.file));
      }
      file.value = spec.mode === 'kind' ? spec.file : '';
      fileWrap.append(fileLabel, ' ', file);
      fileWrap.hidden = spec.mode !== 'kind';

      const note = document.createElement('p');
      note.className = 'backend-note';
      note.textContent = kindNote(spec);

      row.append(label, ' ', kind, ' ', durLabel, dur, ' ', fileWrap, note);
      frag.append(row);
    });
    el.backends.replaceChildren(frag);
  }

  function kindNote(spec) {
    if (spec.mode !== 'kind') return '';
    const k = kinds.find((x) => x.name === spec.kind);
    if (!k) return '';
    return 'idle: ' + k.idle + (k.setting ? ' · setting: ' + k.setting : '') + (k.note ? ' · ' + k.note : '');
  }

  function backendChanged(row) {
    const upstream = row.dataset.upstream;
    const kind = row.querySelector('.backend-kind');
    const dur = row.querySelector('.backend-duration');
    const file = row.querySelector('.backend-file');
    const fileWrap = row.querySelector('.backend-file-wrap');
    const old = parseSpec(state.backends[upstream]);
    let spec = '';
    if (kind.value === DURATION) {
      spec = dur.value.trim();
    } else if (kind.value) {
      const ver = old.mode === 'kind' && old.kind === kind.value ? old.ver : '';
      spec = kind.value + ver + (file.value ? ':' + file.value : '');
    }
    if (spec) state.backends[upstream] = spec;
    else delete state.backends[upstream];
    dur.hidden = kind.value !== DURATION;
    fileWrap.hidden = !kind.value || kind.value === DURATION;
    row.querySelector('.backend-note').textContent = kindNote(parseSpec(spec));
    state.pristine = false;
  }

  // ---- fixes -----------------------------------------------------------------

  function renderFix(f) {
    const focused = document.activeElement;
    const focusKey = focused && focused.closest && focused.closest('#fixes li[data-key]')
      ? focused.closest('li[data-key]').dataset.key : null;
    const frag = document.createDocumentFragment();
    const seen = new Set();
    if (f && f.ok) {
      f.proposals.forEach((p, i) => {
        if (seen.has(p.key)) return;
        seen.add(p.key);
        const li = document.createElement('li');
        li.className = 'proposal ' + (p.safety === 'safe' ? 'is-safe' : 'is-unsafe');
        li.dataset.key = p.key;
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.id = 'fix-' + i;
        box.checked = !!p.approved;
        const label = document.createElement('label');
        label.htmlFor = box.id;
        const badge = document.createElement('span');
        badge.className = 'badge ' + (p.safety === 'safe' ? 'safe' : 'unsafe');
        badge.textContent = p.safety;
        const rule = document.createElement('code');
        rule.className = 'rule';
        rule.textContent = p.rule;
        const loc = document.createElement('span');
        loc.className = 'loc';
        loc.textContent = p.path + ':' + p.line;
        const title = document.createElement('span');
        title.className = 'title';
        inline(title, p.title || '(no title)');
        label.append(badge, ' ', rule, ' ', loc, ' ', title);
        li.append(box, label);
        if (p.diff) {
          const details = document.createElement('details');
          const summary = document.createElement('summary');
          summary.textContent = 'this change alone';
          const pre = document.createElement('pre');
          pre.className = 'diff small';
          pre.append(diffLines(p.diff));
          details.append(summary, pre);
          li.append(details);
        }
        frag.append(li);
      });
    }
    el.fixes.replaceChildren(frag);
    if (focusKey) {
      const again = Array.from(el.fixes.children).find((li) => li.dataset.key === focusKey);
      if (again) again.querySelector('input').focus();
    }

    const diff = f && f.ok ? f.diff : '';
    el.diff.replaceChildren(diffLines(diff));
    el.copyDiff.disabled = !diff;
    el.download.disabled = !(f && f.ok && f.files.length);

    const reverted = document.createDocumentFragment();
    const dl = document.createDocumentFragment();
    if (f && f.ok) {
      const applied = f.proposals.filter((p) => p.approved).length;
      el.fixStatus.textContent = '';
      const parts = [
        f.proposals.length ? applied + ' of ' + plural(f.proposals.length, 'proposed change') + ' applied' : 'No change proposed',
      ];
      el.fixStatus.append(parts[0], ' · ');
      const rem = document.createElement('span');
      rem.id = 'remaining';
      rem.textContent = String(f.remaining);
      el.fixStatus.append(rem, f.remaining === 1 ? ' finding remains' : ' findings remain', ' after them · ');
      const rev = document.createElement('span');
      rev.id = 'reverted-count';
      rev.textContent = String(f.reverted.length);
      el.fixStatus.append(rev, ' reverted');
      // The fix's own notes (the check's are shown with the findings).
      const shown = new Set(state.check && state.check.ok ? state.check.notes : []);
      const own = (f.notes || []).filter((n) => !shown.has(n));
      if (own.length) el.fixStatus.append(' · ' + own.join('; '));
      for (const r of f.reverted) {
        const li = document.createElement('li');
        li.textContent = 'reverted ' + r.rule + ' at ' + r.location + ': ' + r.reason;
        reverted.append(li);
      }
      for (const file of f.files) {
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'quiet';
        b.dataset.path = file.path;
        b.textContent = 'Download ' + file.path;
        li.append(b);
        dl.append(li);
      }
    } else if (f && !f.ok) {
      el.fixStatus.textContent = 'No fixes: ' + f.error.message.split('\n')[0];
    } else {
      el.fixStatus.textContent = 'No fixes while the configuration does not read.';
    }
    el.reverted.replaceChildren(reverted);
    el.downloads.replaceChildren(dl);
  }

  // the text of a unified diff as one span per line (the <pre>'s text is
  // exactly the diff)
  function diffLines(text) {
    const frag = document.createDocumentFragment();
    if (!text) return frag;
    const lines = text.split(/(?<=\n)/);
    for (const line of lines) {
      const span = document.createElement('span');
      if (line.startsWith('+++') || line.startsWith('---')) span.className = 'd-file';
      else if (line.startsWith('@@')) span.className = 'd-hunk';
      else if (line.startsWith('+')) span.className = 'd-add';
      else if (line.startsWith('-')) span.className = 'd-del';
      span.textContent = line;
      frag.append(span);
    }
    return frag;
  }

  function downloadName(path) {
    return path.replace(/^\/+/, '').replace(/\//g, '_') || 'nginx.conf';
  }

  function download(name, text) {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = downloadName(name);
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function copyText(text, status) {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Copied.';
    } catch (e) {
      // without clipboard permission: select it for Ctrl+C
      status.textContent = 'Copy was refused by the browser: select the text and press Ctrl+C.';
    }
    setTimeout(() => { status.textContent = ''; }, 3000);
  }

  // ---- share -------------------------------------------------------------

  function bytesToBase64url(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function base64ToBytes(text) {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, ''));
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i += 1) bytes[i] = s.charCodeAt(i);
    return bytes;
  }

  async function transform(bytes, stream) {
    const out = new Blob([bytes]).stream().pipeThrough(stream);
    return new Uint8Array(await new Response(out).arrayBuffer());
  }

  async function encodeState(shared) {
    const json = new TextEncoder().encode(JSON.stringify(shared));
    return bytesToBase64url(await transform(json, new CompressionStream('deflate-raw')));
  }

  // A link is anyone's input: a few hundred bytes of deflate can unpack
  // to gigabytes, so it is unpacked only up to this much.
  const MAX_SHARED_BYTES = 16 * 1024 * 1024;

  async function inflateBounded(bytes) {
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
    const parts = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_SHARED_BYTES) {
        await reader.cancel();
        throw new Error('it unpacks to more than ' + (MAX_SHARED_BYTES >> 20) + ' MiB');
      }
      parts.push(value);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  async function decodeState(text) {
    const bytes = await inflateBounded(base64ToBytes(text));
    const shared = JSON.parse(new TextDecoder().decode(bytes));
    if (!shared || !Array.isArray(shared.files) || !shared.files.every((f) => f && typeof f.path === 'string' && typeof f.text === 'string')) {
      throw new Error('no files in it');
    }
    const backends = {};
    if (shared.backends && typeof shared.backends === 'object') {
      for (const [k, v] of Object.entries(shared.backends)) if (typeof v === 'string') backends[k] = v;
    }
    return {
      files: shared.files,
      nginx_version: typeof shared.nginx_version === 'string' ? shared.nginx_version : '',
      backends,
    };
  }

  function pageUrl() {
    return location.href.split('#')[0].split('?')[0];
  }

  async function share() {
    el.shareStatus.textContent = '';
    const r = call('redact', request({ hosts: el.redactHosts.checked }));
    if (!r.ok) {
      el.redactionReport.textContent = r.error.message;
      el.redactedFiles.replaceChildren();
      el.shareLink.value = '';
      el.copyLink.disabled = true;
      return;
    }
    let report = r.report;
    const leftOut = new Set(r.left_out || []);
    if (leftOut.size) {
      report += '\nnot shared (backends\' files, which redact cannot read): ' + Array.from(leftOut).join(', ') + '\n';
    }
    // backends' declarations: a kind with a file not shared becomes the
    // kind alone
    const backends = {};
    for (const [upstream, spec] of Object.entries(request().backends || {})) {
      const parsed = parseSpec(spec);
      if (parsed.mode === 'kind' && parsed.file && leftOut.has(parsed.file)) {
        backends[upstream] = parsed.kind + parsed.ver;
        report += 'backend ' + upstream + '=' + spec + ' shared as ' + backends[upstream] + '\n';
      } else {
        backends[upstream] = spec;
      }
    }
    el.redactionReport.textContent = report;
    const files = document.createDocumentFragment();
    for (const f of r.files) {
      const d = document.createElement('details');
      const s = document.createElement('summary');
      s.textContent = 'redacted ' + f.path;
      const pre = document.createElement('pre');
      pre.className = 'report';
      pre.textContent = f.text;
      d.append(s, pre);
      files.append(d);
    }
    el.redactedFiles.replaceChildren(files);
    const shared = {
      files: r.files.map((f) => ({ path: f.path, text: f.text })),
      nginx_version: state.version.trim() || null,
      backends,
    };
    try {
      const link = pageUrl() + '#s=' + (await encodeState(shared));
      el.shareLink.value = link;
      el.copyLink.disabled = false;
      el.shareStatus.textContent = 'Link ready (' + link.length + ' characters).';
    } catch (e) {
      el.shareLink.value = '';
      el.copyLink.disabled = true;
      el.shareStatus.textContent = 'This browser cannot compress the link: ' + e.message;
    }
  }

  async function restoreFromHash() {
    const hash = location.hash;
    if (!hash.startsWith('#s=')) return false;
    try {
      const shared = await decodeState(decodeURIComponent(hash.slice(3)));
      setFiles(shared.files, shared);
      state.pristine = false;
      return true;
    } catch (e) {
      el.shareStatus.textContent = 'The link\'s configuration could not be read (' + e.message + '): showing the example.';
      return false;
    }
  }

  // ---- light markdown (rule explanations) -------------------------------

  function inline(parent, text) {
    const re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)/g;
    let last = 0;
    let m;
    while ((m = re.exec(text))) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      let node;
      if (m[1]) { node = document.createElement('code'); node.textContent = m[1].slice(1, -1); }
      else if (m[2]) { node = document.createElement('strong'); node.textContent = m[2].slice(2, -2); }
      else { node = document.createElement('em'); node.textContent = m[3].slice(1, -1); }
      parent.append(node);
      last = re.lastIndex;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function markdown(text) {
    const frag = document.createDocumentFragment();
    const lines = text.split('\n');
    let para = [];
    let list = null;
    const flush = () => {
      if (para.length) {
        const p = document.createElement('p');
        inline(p, para.join(' '));
        frag.append(p);
        para = [];
      }
    };
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i];
      if (/^ {4}/.test(line)) {
        flush();
        list = null;
        const code = [];
        while (i < lines.length && (/^ {4}/.test(lines[i]) || (lines[i] === '' && /^ {4}/.test(lines[i + 1] || '')))) {
          code.push(lines[i].slice(4));
          i += 1;
        }
        i -= 1;
        const pre = document.createElement('pre');
        pre.textContent = code.join('\n');
        frag.append(pre);
      } else if (/^#{1,6} /.test(line)) {
        flush();
        list = null;
        const level = Math.min(6, line.indexOf(' ') + 3);
        const h = document.createElement('h' + level);
        inline(h, line.replace(/^#+ /, ''));
        frag.append(h);
      } else if (/^[-*] /.test(line)) {
        flush();
        // divs with list roles: #findings holds no <li> but its findings'
        if (!list) { list = document.createElement('div'); list.className = 'md-list'; list.setAttribute('role', 'list'); frag.append(list); }
        const li = document.createElement('div');
        li.className = 'md-item';
        li.setAttribute('role', 'listitem');
        inline(li, line.slice(2));
        list.append(li);
      } else if (line.trim() === '') {
        flush();
        list = null;
      } else if (list && /^\s+\S/.test(line)) {
        list.lastChild.append(' ');
        inline(list.lastChild, line.trim());
      } else {
        list = null;
        para.push(line.trim());
      }
    }
    flush();
    return frag;
  }

  function baseName(path) {
    return path.split('/').pop();
  }

  // ---- events ----------------------------------------------------------------

  function wire() {
    el.editor.addEventListener('input', () => {
      if (!state.files.length) {
        state.files.push({ path: 'nginx.conf', text: '' });
        state.active = 0;
        renderFiles();
      }
      state.files[state.active].text = el.editor.value;
      state.pristine = false;
      if (selectedLine) { selectedLine = 0; }
      updateGutter();
      syncScroll();
      schedule();
    });
    el.editor.addEventListener('scroll', syncScroll, { passive: true });

    el.open.addEventListener('change', async () => {
      const chosen = Array.from(el.open.files || []);
      if (!chosen.length) return;
      const loaded = await Promise.all(chosen.map(async (f) => ({ path: f.name, text: await f.text() })));
      addFiles(loaded);
      el.open.value = '';
    });

    el.newForm.addEventListener('submit', (e) => {
      e.preventDefault();
      newFile(el.newName.value);
      el.newName.value = '';
    });

    el.loadExample.addEventListener('click', () => {
      loadExample();
      analyze();
    });

    el.tabs.addEventListener('click', (e) => {
      const pick = e.target.closest('.tab-pick');
      if (pick) { selectFile(Number(pick.dataset.index)); return; }
      const remove = e.target.closest('.tab-remove');
      if (remove) removeFile(Number(remove.dataset.remove));
    });

    el.version.addEventListener('input', () => {
      state.version = el.version.value;
      state.pristine = false;
      schedule();
    });
    el.context.addEventListener('change', () => {
      state.context = el.context.value;
      state.pristine = false;
      analyze();
    });
    el.entry.addEventListener('change', () => {
      state.entry = el.entry.value;
      state.pristine = false;
      analyze();
    });

    el.backends.addEventListener('change', (e) => {
      const row = e.target.closest('.backend-row');
      if (!row) return;
      backendChanged(row);
      if (e.target.classList.contains('backend-kind') && e.target.value === DURATION) {
        row.querySelector('.backend-duration').focus();
      }
      analyze();
    });
    el.backends.addEventListener('input', (e) => {
      if (!e.target.classList.contains('backend-duration')) return;
      backendChanged(e.target.closest('.backend-row'));
      schedule();
    });

    el.findings.addEventListener('click', (e) => {
      const li = e.target.closest('li[data-rule]');
      if (!li) return;
      const why = e.target.closest('.why');
      if (why) {
        const open = why.getAttribute('aria-expanded') !== 'true';
        if (open) state.expanded.add(li.dataset.rule); else state.expanded.delete(li.dataset.rule);
        toggleExplain(li, why, open);
        return;
      }
      if (e.target.closest('.explain')) return;
      goTo(li.dataset.path, Number(li.dataset.line));
    });

    el.error.addEventListener('click', gotoError);
    el.error.addEventListener('keydown', (e) => { if (e.key === 'Enter') gotoError(); });

    el.fixes.addEventListener('change', (e) => {
      const box = e.target;
      if (box.type !== 'checkbox') return;
      const li = box.closest('li[data-key]');
      state.decisions[li.dataset.key] = box.checked;
      runFix();
    });

    el.copyDiff.addEventListener('click', () => {
      if (state.fix && state.fix.ok && state.fix.diff) copyText(state.fix.diff, el.copyStatus);
    });
    el.download.addEventListener('click', () => {
      if (!(state.fix && state.fix.ok)) return;
      for (const f of state.fix.files) download(f.path, f.text);
    });
    el.downloads.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-path]');
      if (!b || !(state.fix && state.fix.ok)) return;
      const f = state.fix.files.find((x) => x.path === b.dataset.path);
      if (f) download(f.path, f.text);
    });

    el.share.addEventListener('click', share);
    el.copyLink.addEventListener('click', () => {
      if (el.shareLink.value) copyText(el.shareLink.value, el.shareStatus);
    });
    el.shareLink.addEventListener('focus', () => el.shareLink.select());

    el.diagnose.addEventListener('click', () => {
      const r = call('diagnose', request(), el.errorLog.value);
      el.diagnosis.textContent = r.ok ? r.report : r.error.message;
    });

    window.addEventListener('hashchange', async () => {
      if (await restoreFromHash()) analyze();
    });
  }

  function gotoError() {
    const c = state.check;
    if (c && !c.ok && c.error.path) goTo(c.error.path, c.error.line);
  }

  // ---- start -------------------------------------------------------------------

  async function start() {
    try {
      /* global wasm_bindgen, NGXFIX_WASM_BASE64 */
      const source = typeof NGXFIX_WASM_BASE64 === 'string'
        ? base64ToBytes(NGXFIX_WASM_BASE64) // the single-file page
        : 'ngxfix_web_bg.wasm';
      await wasm_bindgen({ module_or_path: source });
      engine = new wasm_bindgen.Engine();
    } catch (e) {
      el.loading.textContent = 'The engine could not load: ' + (e && e.message ? e.message : e)
        + (location.protocol === 'file:' ? ' (opened from a file: serve web/dist over HTTP, or open ngxfix-sandbox.html)' : '');
      el.loading.classList.add('failed');
      return;
    }
    kinds = JSON.parse(engine.backend_kinds());
    kindNames = new Set(kinds.map((k) => k.name));
    assumed = engine.assumed_nginx_version();
    el.version.placeholder = assumed + ' (assumed when empty)';
    el.engineVersion.textContent = 'Engine: ngxfix ' + engine.version() + '.';
    wire();
    if (!(await restoreFromHash())) loadExample();
    analyze();
    el.loading.hidden = true;
    body.dataset.ready = 'true';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
