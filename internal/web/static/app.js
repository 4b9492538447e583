// netcalc serve: the page's script. Every number on the page comes from
// the JSON API (/api/NAME), which answers with the CLI's -o json objects.
// The state of each view lives in the URL fragment: #VIEW?PARAMS.
'use strict';

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}

// api calls /api/NAME with params (an array of [key, value] pairs) and
// returns {exit, stderr, records, text}.
async function api(name, params, body) {
  const qs = new URLSearchParams(params).toString();
  const init = { headers: { Accept: 'application/x-ndjson' } };
  if (body !== undefined) { init.method = 'POST'; init.body = body; init.headers['Content-Type'] = 'application/yaml'; }
  const r = await fetch('/api/' + name + '?' + qs, init);
  const text = await r.text();
  const exit = Number(r.headers.get('Netcalc-Exit') ?? (r.ok ? 0 : 2));
  let stderr = r.headers.get('Netcalc-Stderr') || '';
  try { stderr = decodeURIComponent(stderr); } catch (e) { /* keep it encoded */ }
  if (!r.headers.get('Netcalc-Exit')) stderr = text.trim();
  let records = [];
  if ((r.headers.get('Content-Type') || '').startsWith('application/x-ndjson')) {
    records = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  }
  return { exit, stderr, records, text };
}

// Messages from standard error, without the "netcalc: " prefixes.
function messages(stderr) {
  return stderr.split('\n').filter((l) => l).map((l) => l.replace(/^netcalc: /, '')).join('\n');
}

function showError(id, msg) {
  const e = $(id);
  e.textContent = msg || '';
  e.hidden = !msg;
}

// shellQuote quotes a word for a POSIX shell when it needs it.
function shellQuote(s) {
  return /^[A-Za-z0-9_.,:\/%+@=-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'";
}

function debounce(fn, ms) {
  let t = 0;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

// ---- URL state -------------------------------------------------------------

const views = ['cidr', 'plan', 'k8s', 'topo'];

function route() {
  const h = location.hash.slice(1);
  const i = h.indexOf('?');
  let view = i < 0 ? h : h.slice(0, i);
  const params = new URLSearchParams(i < 0 ? '' : h.slice(i + 1));
  if (!views.includes(view)) view = 'cidr';
  return { view, params };
}

function setState(view, params) {
  const qs = new URLSearchParams(params).toString();
  const h = '#' + view + (qs ? '?' + qs : '');
  history.replaceState(null, '', h);
  $('tab-' + view).setAttribute('href', h); // back to this state from the other views
}

let shown = '';
function show() {
  const { view, params } = route();
  for (const v of views) {
    $('view-' + v).hidden = v !== view;
    const tab = $('tab-' + v);
    if (v === view) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
  }
  document.title = 'netcalc: ' + $('tab-' + view).textContent;
  if (view === 'cidr') cidrLoad(params);
  if (view === 'plan') planLoad(params);
  if (view === 'k8s') k8sLoad(params);
  if (view === 'topo') topoLoad(params);
  if (shown && shown !== view) $('h-' + view).focus?.();
  shown = view;
}

// ---- CIDR explainer --------------------------------------------------------

let cidrSeq = 0;
let cidrInfo = null;

function cidrLoad(params) {
  const q = params.get('q') || '192.168.1.10/24';
  if ($('cidr-q').value !== q) $('cidr-q').value = q;
  cidrRun();
}

async function cidrRun() {
  const q = $('cidr-q').value.trim();
  setState('cidr', q ? [['q', q]] : []);
  const seq = ++cidrSeq;
  if (!q) { showError('cidr-error', 'Type an address such as 192.168.1.10/24.'); return; }
  const [res, ex] = await Promise.all([api('cidr', [['q', q]]), api('cidr', [['q', q], ['explain', '1']])]);
  if (seq !== cidrSeq) return; // a newer input is on its way
  const info = res.records[0];
  if (res.exit !== 0 || !info || info.error) {
    showError('cidr-error', info && info.error ? info.error : messages(res.stderr));
    $('cidr-result').hidden = true;
    return;
  }
  showError('cidr-error', '');
  $('cidr-result').hidden = false;
  cidrInfo = info;
  cidrRender(info, ex.text);
}

// bitsOf returns the address's bits as a string of 0 and 1, grouped: 4
// groups of 8 for IPv4, 8 of 16 for IPv6 (from the "exploded" field).
function bitsOf(info) {
  if (info.version === 4) {
    return info.exploded.split('.').map((o) => Number(o).toString(2).padStart(8, '0'));
  }
  return info.exploded.split(':').map((h) => parseInt(h, 16).toString(2).padStart(16, '0'));
}

function cidrRender(info, explainText) {
  const width = info.version === 4 ? 32 : 128;
  const slider = $('cidr-len');
  slider.max = String(width);
  slider.value = String(info.prefix_length);
  $('cidr-len-out').value = '/' + info.prefix_length;
  slider.setAttribute('aria-valuetext', '/' + info.prefix_length + ': ' + info.prefix_length + ' network bits, ' + (width - info.prefix_length) + ' host bits');

  const bits = $('cidr-bits');
  bits.replaceChildren();
  let n = 0;
  for (const g of bitsOf(info)) {
    const group = el('span', { class: 'group' });
    for (const b of g) {
      group.append(el('span', { class: 'b ' + (n < info.prefix_length ? 'net' : 'host'), text: b }));
      n++;
    }
    bits.append(group);
  }
  bits.setAttribute('aria-label', info.address + ' in binary: the first ' + info.prefix_length + ' bits are the network, the other ' + (width - info.prefix_length) + ' the host');

  const facts = [
    ['Block', info.cidr],
    ['Address', info.address],
    ['Netmask', info.netmask + ' = /' + info.prefix_length],
    ['Wildcard', info.wildcard],
    ['Network', info.network],
    ['Broadcast', info.broadcast || (info.version === 6 ? 'none (IPv6 has no broadcast)' : 'none')],
    ['First host', info.first_host],
    ['Last host', info.last_host],
    ['Addresses', info.addresses],
    ['Usable hosts', info.usable_hosts],
    ['Host rule', info.host_rule],
  ];
  if (info.class) facts.push(['Class', info.class]);
  const kinds = (info.registry || []).map((r) => r.name + ' (' + r.prefix + ', ' + r.rfc + ')');
  if (info.address_space) kinds.push('inside ' + info.address_space.name + ' (' + info.address_space.prefix + ')');
  facts.push(['Classification', kinds.length ? kinds.join('; ') : 'no special-purpose entry']);
  facts.push(['Globally reachable', info.globally_reachable ? 'yes' : 'no']);
  if (info.decided_by) facts.push(['Decided by', info.decided_by.registry + ', ' + info.decided_by.prefix + ' (' + info.decided_by.name + '): ' + info.decided_by.rule]);
  if (info.embedded_ipv4) facts.push(['Embedded IPv4', info.embedded_ipv4.address + ' (' + info.embedded_ipv4.kind + ')']);
  facts.push(['PTR', info.ptr]);
  if (info.version === 6) facts.push(['Exploded', info.exploded]);
  const dl = $('cidr-facts');
  dl.replaceChildren();
  for (const [k, v] of facts) {
    dl.append(el('dt', { text: k }), el('dd', { text: v, 'data-field': k.toLowerCase().replace(/ /g, '_') }));
  }

  const ol = $('cidr-steps');
  ol.replaceChildren();
  const lines = explainText.split('\n');
  const start = lines.findIndex((l) => l.startsWith('How this was computed'));
  for (const l of lines.slice(start + 1)) {
    const m = /^\s+\d+\.\s+(.*)$/.exec(l);
    if (m) ol.append(el('li', { text: m[1] }));
  }
  $('cidr-cmd').textContent = 'netcalc cidr --explain ' + shellQuote($('cidr-q').value.trim());
}

function cidrSetLength(len) {
  if (!cidrInfo) return;
  const width = cidrInfo.version === 4 ? 32 : 128;
  len = Math.max(0, Math.min(width, len));
  $('cidr-q').value = cidrInfo.address + '/' + len;
  cidrRun();
}

// ---- address arithmetic for the planner (BigInt) ---------------------------

function parseAddr(s) {
  if (s.includes(':')) {
    let head = s, tail = '';
    const dc = s.indexOf('::');
    if (dc >= 0) { head = s.slice(0, dc); tail = s.slice(dc + 2); }
    const part = (x) => {
      const out = [];
      for (const p of x ? x.split(':') : []) {
        if (p.includes('.')) {
          const v4 = parseAddr(p).n;
          out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        } else out.push(parseInt(p, 16));
      }
      return out;
    };
    const h = part(head), t = part(tail);
    const groups = dc >= 0 ? [...h, ...Array(8 - h.length - t.length).fill(0), ...t] : h;
    let n = 0n;
    for (const g of groups) n = (n << 16n) | BigInt(g);
    return { v6: true, n };
  }
  let n = 0n;
  for (const o of s.split('.')) n = (n << 8n) | BigInt(Number(o));
  return { v6: false, n };
}

function formatAddr(v6, n) {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const g = [];
  for (let i = 7; i >= 0; i--) g.push(Number((n >> BigInt(16 * i)) & 0xffffn));
  // RFC 5952: the longest run (2 or more) of zero groups becomes "::".
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return hex(g.slice(0, best)) + '::' + hex(g.slice(best + bestLen));
}

// ---- subnet planner --------------------------------------------------------

const maxLeaves = 512;
let plan = null; // {v6, width, base, bits, leaves: [{len, name}], vlsm}

function leafPrefixes(p) {
  const out = [];
  let s = p.base;
  const end = p.base + (1n << BigInt(p.width - p.bits));
  for (const l of p.leaves) {
    const size = 1n << BigInt(p.width - l.len);
    if (l.len < p.bits || l.len > p.width || s % size !== 0n || s + size > end) return null;
    out.push({ start: s, size, len: l.len, cidr: formatAddr(p.v6, s) + '/' + l.len });
    s += size;
  }
  return s === end ? out : null;
}

function planSave() {
  const params = [['b', plan.block]];
  if (!(plan.leaves.length === 1)) params.push(['l', plan.leaves.map((l) => l.len).join(',')]);
  if (plan.leaves.some((l) => l.name)) params.push(['n', plan.leaves.map((l) => encodeURIComponent(l.name)).join(',')]);
  if (plan.vlsm) params.push(['v', plan.vlsm]);
  setState('plan', params);
}

async function planLoad(params) {
  const block = params.get('b') || '10.0.0.0/24';
  $('plan-block').value = block;
  $('vlsm-hosts').value = params.get('v') || '';
  const res = await api('cidr', [['q', block]]);
  const info = res.records[0];
  if (res.exit !== 0 || !info || info.error) {
    showError('plan-error', 'Block: ' + (info && info.error ? info.error : messages(res.stderr)));
    return;
  }
  showError('plan-error', '');
  const width = info.version === 4 ? 32 : 128;
  const net = parseAddr(info.network).n;
  plan = { v6: info.version === 6, width, base: net, bits: info.prefix_length, block: info.cidr, leaves: [], vlsm: params.get('v') || '' };
  const lens = (params.get('l') || String(info.prefix_length)).split(',').map(Number);
  const names = (params.get('n') || '').split(',').map((x) => { try { return decodeURIComponent(x); } catch (e) { return x; } });
  plan.leaves = lens.map((len, i) => ({ len, name: names[i] || '' }));
  if (plan.leaves.length > maxLeaves || !leafPrefixes(plan)) {
    $('plan-note').textContent = 'The subnets in the link do not cut ' + info.cidr + ' exactly; starting over with the whole block.';
    plan.leaves = [{ len: info.prefix_length, name: '' }];
  } else {
    $('plan-note').textContent = plan.vlsm ? 'VLSM plan: netcalc vlsm ' + plan.block + ' ' + plan.vlsm.split(/[\s,]+/).filter(Boolean).map(shellQuote).join(' ') : '';
  }
  await planRender();
}

let planRows = []; // the cidr objects of the leaves, in order

async function planRender() {
  planSave();
  const leaves = leafPrefixes(plan);
  const chunks = [];
  for (let i = 0; i < leaves.length; i += 64) chunks.push(leaves.slice(i, i + 64));
  const answers = await Promise.all(chunks.map((c) => api('cidr', c.map((l) => ['q', l.cidr]))));
  planRows = answers.flatMap((a) => a.records);
  const tbody = $('plan-table').tBodies[0];
  tbody.replaceChildren();
  const bar = $('plan-bar');
  bar.replaceChildren();
  const total = 1n << BigInt(plan.width - plan.bits);
  leaves.forEach((l, i) => {
    const row = planRows[i];
    const leaf = plan.leaves[i];
    const name = el('input', { type: 'text', value: leaf.name, 'aria-label': 'Name of ' + row.cidr, spellcheck: 'false' });
    name.addEventListener('input', () => { leaf.name = name.value.trim(); planSave(); planBar(); });
    const acts = el('td', {});
    if (l.len < plan.width && plan.leaves.length < maxLeaves) {
      acts.append(el('button', { type: 'button', class: 'split', 'aria-label': 'Split ' + row.cidr + ' in two', text: 'Split', onclick: () => planSplit(i) }));
    }
    const sibling = l.start ^ l.size;
    const j = sibling > l.start ? i + 1 : i - 1;
    if (l.len > plan.bits && leaves[j] && leaves[j].start === sibling && leaves[j].len === l.len) {
      const parent = formatAddr(plan.v6, l.start < sibling ? l.start : sibling) + '/' + (l.len - 1);
      acts.append(el('button', { type: 'button', class: 'join', 'aria-label': 'Join ' + row.cidr + ' with its neighbour into ' + parent, text: 'Join /' + (l.len - 1), onclick: () => planJoin(Math.min(i, j)) }));
    }
    tbody.append(el('tr', { 'data-cidr': row.cidr },
      el('td', { text: row.cidr }),
      el('td', { text: row.version === 4 ? row.netmask : '/' + row.prefix_length }),
      el('td', { text: row.first_host + ' – ' + row.last_host }),
      el('td', { text: row.usable_hosts }),
      el('td', {}, name),
      acts));
  });
  $('plan-caption').textContent = plan.block + ': ' + leaves.length + (leaves.length === 1 ? ' subnet' : ' subnets');
  planBar();
}

function planBar() {
  const bar = $('plan-bar');
  bar.replaceChildren();
  const leaves = leafPrefixes(plan);
  const total = 1n << BigInt(plan.width - plan.bits);
  leaves.forEach((l, i) => {
    const pct = Number((l.size * 1000000n) / total) / 10000;
    const s = el('span', { class: plan.leaves[i].name ? '' : 'free', title: l.cidr + (plan.leaves[i].name ? ' ' + plan.leaves[i].name : '') });
    s.style.flex = '0 0 ' + pct + '%';
    bar.append(s);
  });
}

function planSplit(i) {
  const l = plan.leaves[i];
  plan.leaves.splice(i, 1, { len: l.len + 1, name: l.name }, { len: l.len + 1, name: '' });
  planRender().then(() => $('plan-table').querySelectorAll('tbody tr')[i]?.querySelector('button')?.focus());
}

function planJoin(i) {
  const a = plan.leaves[i], b = plan.leaves[i + 1];
  plan.leaves.splice(i, 2, { len: a.len - 1, name: a.name || b.name });
  planRender().then(() => $('plan-table').querySelectorAll('tbody tr')[i]?.querySelector('button')?.focus());
}

async function vlsmRun() {
  const hosts = $('vlsm-hosts').value.split(/[\s,]+/).filter(Boolean);
  if (!hosts.length) { showError('plan-error', 'Give the hosts of each subnet, such as web=50 db=20 10.'); return; }
  const block = $('plan-block').value.trim();
  const res = await api('vlsm', [['q', block], ...hosts.map((h) => ['hosts', h])]);
  if (res.exit !== 0) { showError('plan-error', messages(res.stderr)); return; }
  showError('plan-error', '');
  const parts = [];
  for (const r of res.records) {
    if (r.type === 'allocation') parts.push({ cidr: r.cidr, name: r.name || '#' + r.order + ' (' + r.requested + ')' });
    if (r.type === 'unused') for (const u of r.unused) parts.push({ cidr: u, name: '' });
  }
  parts.sort((a, b) => { const x = parseAddr(a.cidr.split('/')[0]).n, y = parseAddr(b.cidr.split('/')[0]).n; return x < y ? -1 : x > y ? 1 : 0; });
  const params = new URLSearchParams([['b', block], ['l', parts.map((p) => p.cidr.split('/')[1]).join(',')],
    ['n', parts.map((p) => encodeURIComponent(p.name)).join(',')], ['v', hosts.join(' ')]]);
  await planLoad(params);
}

function csvField(s) { return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }

function planExport(kind) {
  const rows = planRows.map((r, i) => ({ name: plan.leaves[i].name, cidr: r.cidr, netmask: r.netmask, first_host: r.first_host, last_host: r.last_host, usable_hosts: r.usable_hosts, addresses: r.addresses }));
  let text, file, type;
  if (kind === 'csv') {
    const cols = ['name', 'cidr', 'netmask', 'first_host', 'last_host', 'usable_hosts', 'addresses'];
    text = [cols.join(','), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(','))].join('\n') + '\n';
    file = 'plan.csv'; type = 'text/csv';
  } else if (kind === 'json') {
    text = JSON.stringify({ block: plan.block, subnets: rows }, null, 2) + '\n';
    file = 'plan.json'; type = 'application/json';
  } else {
    const lines = ['# the plan of ' + plan.block + ', from netcalc serve'];
    if (plan.vlsm) lines.push('netcalc vlsm ' + plan.block + ' ' + plan.vlsm.split(/\s+/).map(shellQuote).join(' '));
    for (const r of rows) lines.push('netcalc cidr ' + r.cidr + (r.name ? '  # ' + r.name.replace(/\n/g, ' ') : ''));
    lines.push('# the subnets cover the block exactly: this prints ' + plan.block);
    lines.push('netcalc merge ' + rows.map((r) => r.cidr).join(' '));
    text = lines.join('\n') + '\n';
    file = 'plan.sh'; type = 'text/plain';
  }
  $('export-out').value = text;
  const a = $('export-download');
  if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = file;
  a.textContent = 'Download ' + file;
  a.hidden = false;
}

// ---- Kubernetes planner ----------------------------------------------------

const k8sFields = ['profile', 'cluster-cidr', 'service-cidr', 'node-cidr-mask', 'nodes', 'max-pods', 'node-network', 'avoid', 'kube-version', 'node-index', 'suggest', 'ip-family'];
let k8sSeq = 0;

function k8sParams() {
  const p = [];
  for (const f of k8sFields) {
    const e = $('k8s-' + f);
    if (e.type === 'checkbox') { if (e.checked) p.push([f, 'true']); continue; }
    const v = e.value.trim();
    if (f === 'ip-family' && (v === 'ipv4' || !$('k8s-suggest').checked)) continue;
    if (v) p.push([f, v]);
  }
  return p;
}

function k8sLoad(params) {
  for (const f of k8sFields) {
    const e = $('k8s-' + f);
    if (e.type === 'checkbox') e.checked = params.get(f) === 'true';
    else e.value = params.get(f) || (f === 'ip-family' ? 'ipv4' : '');
  }
  if ([...params.keys()].length) k8sRun();
}

function kvTable(caption, obj) {
  const t = el('table', { class: 'kv' }, el('caption', { text: caption }));
  const tb = el('tbody');
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'type') continue;
    tb.append(el('tr', {}, el('th', { scope: 'row', text: k }), el('td', { text: Array.isArray(v) ? v.join(', ') : String(v) })));
  }
  t.append(tb);
  return t;
}

async function k8sRun() {
  const params = k8sParams();
  setState('k8s', params);
  $('k8s-cmd').textContent = 'netcalc k8s plan' + params.map(([k, v]) => ' --' + k + (v === 'true' && k === 'suggest' ? '' : ' ' + shellQuote(v))).join('');
  const seq = ++k8sSeq;
  const res = await api('k8s-plan', params);
  if (seq !== k8sSeq) return;
  const out = $('k8s-result');
  out.replaceChildren();
  if (res.exit === 2) { showError('k8s-error', messages(res.stderr)); $('k8s-note').textContent = ''; return; }
  showError('k8s-error', res.exit === 1 && !res.records.length ? messages(res.stderr) : '');
  $('k8s-note').textContent = res.records.length ? messages(res.stderr) : '';
  const ranges = res.records.filter((r) => r.type === 'range');
  if (ranges.length) {
    const t = el('table', { id: 'k8s-ranges' }, el('caption', { text: 'Ranges' }),
      el('thead', {}, el('tr', {}, ...['role', 'cidr', 'first', 'last', 'size', 'default'].map((h) => el('th', { scope: 'col', text: h })))));
    const tb = el('tbody');
    for (const r of ranges) tb.append(el('tr', {}, ...['role', 'cidr', 'first', 'last', 'size', 'default'].map((k) => el('td', { text: String(r[k]) }))));
    t.append(tb);
    out.append(el('div', { class: 'scroll' }, t));
  }
  for (const r of res.records) {
    if (r.type === 'pod_network') out.append(el('div', { class: 'scroll' }, kvTable('Pod network ' + r.cidr, r)));
    if (r.type === 'service_network') out.append(el('div', { class: 'scroll' }, kvTable('Service network ' + r.cidr, r)));
    if (r.type === 'node_cidrs') out.append(el('p', { id: 'k8s-node-cidrs' }, 'Pod CIDRs of node ' + r.index + ': ', el('code', { text: r.cidrs.join(', ') })));
  }
  const findings = res.records.filter((r) => r.type === 'finding');
  const sum = res.records.find((r) => r.type === 'summary');
  if (sum) {
    out.append(el('h3', { id: 'k8s-summary', text: 'Findings: ' + sum.errors + ' errors, ' + sum.warnings + ' warnings, ' + sum.notes + ' notes (' + (sum.profile || 'upstream') + ', Kubernetes ' + sum.version + ')' }));
  }
  const ul = el('ul', { class: 'findings', id: 'k8s-findings' });
  for (const f of findings) {
    ul.append(el('li', { 'data-severity': f.severity },
      el('span', { class: 'sev sev-' + f.severity, text: f.severity }), ' ',
      el('strong', { text: f.rule }), ': ', f.message,
      el('br'), el('span', { class: 'src', text: f.source + '; Kubernetes versions: ' + f.versions })));
  }
  out.append(ul);
}

// ---- topology ---------------------------------------------------------------

const svgNS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

let topoPos = {};      // node name -> [x, y] in the drawing
let traceSteps = [];   // the step records of the trace shown
let traceAt = -1;      // the step shown
let traceSeq = 0;
const traceExamples = {
  'veth.yaml': ['a', '198.51.100.2', 'icmp'],
  'gateway.yaml': ['a', '203.0.113.20', 'icmp'],
  'home-nat.yaml': ['laptop', '203.0.113.200:80', 'tcp'],
  'k8s.yaml': ['client', '10.96.0.80:80', 'tcp'],
};

async function topoLoad(params) {
  const ex = params.get('example') || (params.get('yaml') ? '' : 'gateway.yaml');
  $('topo-example').value = ex;
  if (ex) {
    const r = await fetch('/examples/' + encodeURIComponent(ex));
    if (!r.ok) { showError('topo-error', 'No example ' + ex); return; }
    $('topo-yaml').value = await r.text();
  } else {
    $('topo-yaml').value = params.get('yaml') || '';
  }
  // a trace to start from for the examples (run only when asked)
  const d = (!params.get('to') && traceExamples[ex]) || [];
  $('trace-from').dataset.want = params.get('from') || d[0] || '';
  $('trace-to').value = params.get('to') || d[1] || '';
  const proto = params.get('proto') || d[2];
  $('trace-proto').value = ['icmp', 'tcp', 'udp'].includes(proto) ? proto : 'icmp';
  $('trace-reply').checked = params.get('reply') === '1';
  traceClear();
  const ok = await topoRun(params.get('from') && params.get('to'));
  if (ok && params.get('from') && params.get('to')) await traceRun(Number(params.get('s') || 0));
}

// topoParams is the view's state: the example or the file, and the trace.
function topoParams() {
  const ex = $('topo-example').value;
  const text = $('topo-yaml').value;
  const p = ex ? [['example', ex]] : (text.length <= 4000 ? [['yaml', text]] : []);
  if (traceSteps.length) {
    p.push(['from', $('trace-from').value], ['to', $('trace-to').value.trim()], ['proto', $('trace-proto').value]);
    if ($('trace-reply').checked) p.push(['reply', '1']);
    p.push(['s', String(traceAt)]);
  }
  return p;
}

async function topoRun(keepTrace) {
  const ex = $('topo-example').value;
  const text = $('topo-yaml').value;
  if (!keepTrace) traceClear();
  setState('topo', topoParams());
  $('topo-note').textContent = !ex && text.length > 4000 ? 'The file is too long to keep in the link.' : '';
  $('topo-cmd').textContent = 'netcalc topo check ' + (ex ? 'examples/topo/' + ex : 'FILE') + ' && netcalc topo draw -o json ' + (ex ? 'examples/topo/' + ex : 'FILE');
  const [draw, check] = await Promise.all([api('topo-draw', [], text), api('topo-check', [], text)]);
  if (draw.exit === 2) {
    showError('topo-error', messages(draw.stderr));
    $('topo-result').hidden = true;
    return false;
  }
  showError('topo-error', '');
  $('topo-result').hidden = false;
  const notes = messages(draw.stderr);
  if (notes) $('topo-note').textContent = notes;
  topoDraw(draw.records);
  topoFindings(check.records);
  return true;
}

// ---- trace ------------------------------------------------------------------

function traceClear() {
  traceSteps = [];
  traceAt = -1;
  $('trace-result').hidden = true;
  showError('trace-error', '');
  for (const e of document.querySelectorAll('#topo-svg .here, #topo-svg .visited, #topo-svg .walked, #topo-svg .now')) e.classList.remove('here', 'visited', 'walked', 'now');
  document.querySelector('#topo-svg circle.packet')?.remove();
}

// traceRun asks /api/topo-trace (netcalc topo trace -o json --explain) and
// shows step `at`.
async function traceRun(at) {
  const from = $('trace-from').value, to = $('trace-to').value.trim(), proto = $('trace-proto').value;
  const reply = $('trace-reply').checked;
  const ex = $('topo-example').value;
  const params = [['from', from], ['to', to], ['proto', proto]];
  if (reply) params.push(['reply', '1']);
  params.push(['explain', '1']);
  const file = ex ? 'examples/topo/' + ex : 'FILE';
  $('trace-cmd').textContent = ['netcalc', 'topo', 'trace', file, '--from', from, '--to', to, '--proto', proto].map(shellQuote).join(' ') + (reply ? ' --reply' : '') + ' --explain';
  const seq = ++traceSeq;
  const res = ex ? await api('topo-trace', [['example', ex], ...params]) : await api('topo-trace', params, $('topo-yaml').value);
  if (seq !== traceSeq) return;
  traceClear();
  if (res.exit === 2) {
    showError('trace-error', messages(res.stderr));
    setState('topo', topoParams());
    return;
  }
  traceSteps = res.records.filter((r) => r.type === 'step');
  const results = res.records.filter((r) => r.type === 'result');
  const disp = $('trace-disposition');
  disp.replaceChildren();
  results.forEach((r, i) => {
    if (i) disp.append('; ');
    disp.append((r.direction ? r.direction + ': ' : '') , el('span', { class: r.disposition === 'ACCEPTED' ? 'ok' : 'bad', 'data-direction': r.direction || 'request', text: r.disposition }));
    if (!r.direction) disp.append(' (path ' + r.path.join(', ') + ')');
  });
  if (!traceSteps.length) { showError('trace-error', messages(res.stderr) || 'The trace has no steps.'); return; }
  const ol = $('trace-steps');
  ol.replaceChildren(...traceSteps.map((s, i) => el('li', { 'data-hop': s.hop, 'data-node': s.node, 'data-action': s.action, 'data-direction': s.direction || 'request' },
    el('button', { type: 'button', onclick: () => traceShow(i, true) },
      s.direction ? el('span', { class: 'dir', text: s.direction + ' ' }) : null,
      'hop ' + s.hop + ' ' + s.node + ': ' + s.action + (s.detail ? ' (' + s.detail + ')' : '')))));
  $('trace-result').hidden = false;
  traceShow(Math.max(0, Math.min(at || 0, traceSteps.length - 1)), false);
}

// traceShow shows step i: the packet on its node in the drawing, the links
// it crossed so far, and the step's words.
function traceShow(i, focus) {
  if (!traceSteps.length) return;
  i = Math.max(0, Math.min(i, traceSteps.length - 1));
  traceAt = i;
  const s = traceSteps[i];
  const svgEl = $('topo-svg');
  for (const e of svgEl.querySelectorAll('.here, .visited, .walked, .now')) e.classList.remove('here', 'visited', 'walked', 'now');
  const nodeG = (n) => svgEl.querySelector('g.node[data-node="' + CSS.escape(n) + '"]');
  const linkOf = (a, b) => [...svgEl.querySelectorAll('line.link')].find((l) => {
    const ends = l.dataset.link.split(' ').map((e) => e.split(':')[0]);
    return ends[0] === a && ends[1] === b || ends[0] === b && ends[1] === a;
  });
  for (let k = 0; k <= i; k++) {
    nodeG(traceSteps[k].node)?.classList.add('visited');
    if (k > 0 && traceSteps[k].node !== traceSteps[k - 1].node) {
      const l = linkOf(traceSteps[k - 1].node, traceSteps[k].node);
      if (l) l.classList.add(k === i ? 'now' : 'walked');
    }
  }
  nodeG(s.node)?.classList.add('here');
  let dot = svgEl.querySelector('circle.packet');
  if (!dot) { dot = svg('circle', { class: 'packet', r: 9, cx: 0, cy: 0, 'aria-hidden': 'true' }); svgEl.append(dot); }
  const p = topoPos[s.node];
  if (p) dot.style.transform = 'translate(' + (p[0] + 48) + 'px, ' + (p[1] - 20) + 'px)';
  const cur = $('trace-current');
  cur.replaceChildren(...[
    el('p', {}, el('strong', { text: (s.direction ? s.direction + ', ' : '') + 'hop ' + s.hop + ' on ' + s.node + ': ' + s.action })),
    s.detail ? el('p', { class: 'detail', text: (s.in ? 'in ' + s.in + ': ' : '') + (s.out ? 'out ' + s.out + ': ' : '') + s.detail }) : null,
    s.why ? el('p', { class: 'why', text: 'Why: ' + s.why }) : null,
    s.packet ? el('p', { class: 'packet', text: 'Packet now: ' + s.packet.proto + ' ' + (s.packet.src || '?') + (s.packet.sport ? ':' + s.packet.sport : '') + ' -> ' + s.packet.dst + (s.packet.dport ? ':' + s.packet.dport : '') + ' ttl ' + s.packet.ttl }) : null].filter((e) => e));
  $('trace-pos').value = 'Step ' + (i + 1) + ' of ' + traceSteps.length;
  for (const [k, li] of [...$('trace-steps').children].entries()) {
    if (k === i) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
  }
  const li = $('trace-steps').children[i];
  li?.scrollIntoView?.({ block: 'nearest' });
  if (focus) li?.querySelector('button')?.focus();
  const had = document.activeElement;
  $('trace-prev').disabled = $('trace-first').disabled = i === 0;
  $('trace-next').disabled = $('trace-last').disabled = i === traceSteps.length - 1;
  // A button that just became disabled drops the keyboard focus to the
  // page: keep it on the trace, on the step shown.
  if (had && had.disabled) li?.querySelector('button')?.focus();
  setState('topo', topoParams());
}

function traceKey(e) {
  if (route().view !== 'topo' || !traceSteps.length || e.altKey || e.ctrlKey || e.metaKey) return;
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
  const to = { ArrowRight: traceAt + 1, j: traceAt + 1, ArrowLeft: traceAt - 1, k: traceAt - 1, Home: 0, End: traceSteps.length - 1 }[e.key];
  if (to === undefined) return;
  // Home and End scroll the page, except among the trace's own controls
  if ((e.key === 'Home' || e.key === 'End') && !(t && t.closest && t.closest('#trace-result'))) return;
  e.preventDefault();
  traceShow(to, t && t.closest && t.closest('#trace-steps') !== null);
}

function topoDraw(recs) {
  const nodes = recs.filter((r) => r.type === 'node');
  const links = recs.filter((r) => r.type === 'link');
  const s = $('topo-svg');
  const W = 640, H = 420, cx = W / 2, cy = H / 2;
  const rad = nodes.length <= 1 ? 0 : Math.min(W, H) / 2 - 60;
  const pos = {};
  nodes.forEach((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, nodes.length);
    pos[n.name] = [cx + rad * Math.cos(a) * 1.35, cy + rad * Math.sin(a)];
  });
  topoPos = pos;
  const from = $('trace-from');
  const want = from.dataset.want || from.value;
  from.replaceChildren(...nodes.map((n) => el('option', { text: n.name })));
  if ([...from.options].some((o) => o.value === want)) from.value = want;
  from.dataset.want = '';
  s.replaceChildren(svg('title', { id: 'topo-svg-title' }, 'The topology: ' + nodes.length + ' nodes (' + nodes.map((n) => n.name + ', ' + n.kind).join('; ') + '), ' + links.length + ' links (' + links.map((l) => l.endpoints.join(' to ')).join('; ') + ')'));
  for (const l of links) {
    const [a, b] = l.endpoints.map((e) => e.split(':'));
    const pa = pos[a[0]], pb = pos[b[0]];
    if (!pa || !pb) continue;
    s.append(svg('line', { class: 'link', x1: pa[0], y1: pa[1], x2: pb[0], y2: pb[1], 'data-link': l.endpoints.join(' ') }));
    // each interface's name sits on its end of the line, just outside the box
    const lab = (p, q, name) => {
      const dx = q[0] - p[0], dy = q[1] - p[1], d = Math.hypot(dx, dy) || 1;
      const k = Math.min(0.45, (Math.abs(dx / d) > 0.8 ? 80 : 42) / d);
      return svg('text', { class: 'ifname', x: p[0] + dx * k, y: p[1] + dy * k + 4 }, name);
    };
    s.append(lab(pa, pb, a[1]), lab(pb, pa, b[1]));
  }
  for (const n of nodes) {
    const [x, y] = pos[n.name];
    const g = svg('g', { class: 'node ' + n.kind, 'data-node': n.name });
    g.append(svg('rect', { x: x - 55, y: y - 22, width: 110, height: 44, rx: n.kind === 'router' ? 14 : 4 }),
      svg('text', { x, y: y - 2 }, n.name), svg('text', { class: 'kind', x, y: y + 14 }, n.kind));
    s.append(g);
  }
  const t = el('table', { id: 'topo-outline-table' }, el('thead', {}, el('tr', {}, ...['node', 'kind', 'interface', 'kind', 'addresses', 'peer or bridge'].map((h) => el('th', { scope: 'col', text: h })))));
  const tb = el('tbody');
  for (const n of nodes) {
    for (const i of n.interfaces || []) {
      tb.append(el('tr', {}, el('td', { text: n.name }), el('td', { text: n.kind }), el('td', { text: i.name }), el('td', { text: i.kind }),
        el('td', { text: (i.addrs || []).join(' ') }), el('td', { text: i.peer || (i.ports ? 'ports: ' + i.ports.join(' ') : i.master ? 'port of ' + i.master : '') })));
    }
  }
  t.append(tb);
  $('topo-outline').replaceChildren(t);
}

function topoFindings(recs) {
  const f = recs.filter((r) => r.type === 'finding');
  const box = $('topo-findings');
  if (!f.length) { box.replaceChildren(el('p', { id: 'topo-clean', text: 'No findings: topo check passes.' })); return; }
  const cols = ['severity', 'line', 'path', 'check', 'message'];
  const t = el('table', { id: 'topo-findings-table' }, el('thead', {}, el('tr', {}, ...cols.map((h) => el('th', { scope: 'col', text: h })))));
  const tb = el('tbody');
  for (const r of f) tb.append(el('tr', { 'data-severity': r.severity }, ...cols.map((c) => el('td', { text: r[c] === undefined ? '-' : String(r[c]) }))));
  t.append(tb);
  box.replaceChildren(t);
}

// ---- wiring ----------------------------------------------------------------

function theme(dark) {
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  $('theme').setAttribute('aria-pressed', String(dark));
  $('theme').textContent = dark ? 'Light mode' : 'Dark mode';
}

function init() {
  let dark = matchMedia('(prefers-color-scheme: dark)').matches;
  try { const t = localStorage.getItem('netcalc-theme'); if (t) dark = t === 'dark'; } catch (e) { /* no storage */ }
  theme(dark);
  $('theme').addEventListener('click', () => {
    dark = document.documentElement.dataset.theme !== 'dark';
    theme(dark);
    try { localStorage.setItem('netcalc-theme', dark ? 'dark' : 'light'); } catch (e) { /* no storage */ }
  });

  const run = debounce(cidrRun, 150);
  $('cidr-form').addEventListener('submit', (e) => { e.preventDefault(); cidrRun(); });
  $('cidr-q').addEventListener('input', run);
  $('cidr-q').addEventListener('keydown', (e) => {
    if (!cidrInfo || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    // The box may already hold a length newer than the last answer.
    const m = /\/(\d{1,3})$/.exec($('cidr-q').value.trim());
    const len = m ? Number(m[1]) : cidrInfo.prefix_length;
    cidrSetLength(len + (e.key === 'ArrowUp' ? 1 : -1));
  });
  $('cidr-len').addEventListener('input', () => {
    $('cidr-len-out').value = '/' + $('cidr-len').value;
    cidrSetLength(Number($('cidr-len').value));
  });

  $('plan-form').addEventListener('submit', (e) => { e.preventDefault(); planLoad(new URLSearchParams([['b', $('plan-block').value.trim()]])); });
  $('vlsm-form').addEventListener('submit', (e) => { e.preventDefault(); vlsmRun(); });
  $('export-csv').addEventListener('click', () => planExport('csv'));
  $('export-json').addEventListener('click', () => planExport('json'));
  $('export-cmd').addEventListener('click', () => planExport('cmd'));

  $('k8s-form').addEventListener('submit', (e) => { e.preventDefault(); k8sRun(); });

  $('topo-form').addEventListener('submit', (e) => { e.preventDefault(); topoRun(); });
  $('trace-form').addEventListener('submit', (e) => { e.preventDefault(); traceRun(0); });
  $('trace-first').addEventListener('click', () => traceShow(0));
  $('trace-prev').addEventListener('click', () => traceShow(traceAt - 1));
  $('trace-next').addEventListener('click', () => traceShow(traceAt + 1));
  $('trace-last').addEventListener('click', () => traceShow(traceSteps.length - 1));
  document.addEventListener('keydown', traceKey);
  $('topo-example').addEventListener('change', () => {
    const ex = $('topo-example').value;
    topoLoad(new URLSearchParams(ex ? [['example', ex]] : [['yaml', $('topo-yaml').value]]));
  });
  $('topo-yaml').addEventListener('input', () => { $('topo-example').value = ''; });

  for (const v of views) $('h-' + v).setAttribute('tabindex', '-1');
  window.addEventListener('hashchange', show);
  show();
}

init();
