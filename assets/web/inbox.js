// The page's Inbox drawer: captured mail from two sources in one panel, and the relay's chaos
// switches. HTML and DOM, not the ImGui canvas, because a message's HTML must render in a
// sandboxed iframe.
//   Relay       the relay serving this page, through its Mailpit REST API (/api/v1/…), when
//               GET /api/v1/info answers;
//   Simulation  the message copies of the current run up to the current step, in the same
//               Mailpit shapes, from the WebAssembly module (web/ui/inbox_api.hpp);
//   Chaos       GET/PUT /api/v1/chaos as a form (relay only); "chaos is ON" shows on the
//               drawer's header and on the toolbar's Inbox button while any switch is on.
// API (extends window.relaylab.inbox from index.html):
//   open(source?)  'relay' | 'simulation' | 'chaos'; close(); isOpen()
//   simulated(query?) → the run's copies as Mailpit lists them (newest first)
//   onShowSession = (msg) => …   a hook (Live mode); the "Show the session" button shows only
//                                 when it is set; a string it returns (or resolves to) is shown
//                                 beside the button ("nothing is known of this message")
(function () {
  'use strict';
  const api = window.relaylab;
  if (!api) return;
  const inbox = api.inbox = api.inbox || {};
  const PAGE = 20;
  // Mail HTML is untrusted: no script (the iframe's sandbox), nothing remote, opaque origin.
  const SRCDOC_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

  let moduleReady = false;  // relaylab.ready resolved: the WebAssembly module answers
  if (api.ready) api.ready.then(() => { moduleReady = true; }, () => {});
  const st = {
    open: false, view: 'relay', relay: null, query: '', start: 0, page: null,
    selected: null, message: null, msgTab: null, simRead: new Set(), simKey: '',
    chaos: null, chaosOn: false, chaosPuts: 0, chaosChain: Promise.resolve(), buttonBadge: '', relaySig: '', returnFocus: null,
  };

  // ---- sources -----------------------------------------------------------------------
  const simCall = (request) => {
    if (!moduleReady || !window.Module || typeof Module.ccall !== 'function')
      throw new Error('the simulator is not running in this page');
    const answer = JSON.parse(Module.ccall('relaylab_call', 'string', ['string'], [JSON.stringify(request)]));
    if (!answer.ok) throw new Error(answer.error);
    return answer.result;
  };
  // The read state of the run's copies belongs to one run: a new scenario starts unread.
  const simReadSet = () => {
    let key = '';
    try { const s = api.state(); key = s.scenario + ' ' + JSON.stringify(s.switches || {}); } catch (e) { key = ''; }
    if (key !== st.simKey) { st.simKey = key; st.simRead.clear(); }
    return st.simRead;
  };
  const simList = (query, start, limit) =>
    simCall({ op: 'inbox_list', query: query || '', start, limit, read: [...simReadSet()] });
  inbox.simulated = (query = '') => simList(query, 0, 100000).messages;

  const fetchJson = async (url, options = {}) => {
    const r = await fetch(url, Object.assign({ headers: { Accept: 'application/json' } }, options));
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { body = null; }
    if (!r.ok) throw new Error((body && body.Error) || text || `HTTP ${r.status}`);
    if (body === null) throw new Error(`${url}: not JSON`);
    return body;
  };
  // Only a relay serves its page with "Server: relaylab": a page from plain files asks no
  // API (which would only log a 404 in the console).
  const relayAvailable = async () => {
    // A workshop room's student (rooms.js) holds a read-only token: no inbox, no chaos.
    if (new URLSearchParams(location.search).has('room')) return false;
    try {
      const self = await fetch(location.pathname, { method: 'HEAD', cache: 'no-store' });
      if ((self.headers.get('server') || '') !== 'relaylab') return false;
      const r = await fetch('/api/v1/info', { headers: { Accept: 'application/json' } });
      return r.ok && (r.headers.get('content-type') || '').startsWith('application/json');
    } catch (e) {
      return false;
    }
  };
  const relayList = (query, start, limit) => query
    ? fetchJson(`/api/v1/search?query=${encodeURIComponent(query)}&start=${start}&limit=${limit}`)
    : fetchJson(`/api/v1/messages?start=${start}&limit=${limit}`);

  // ---- DOM helpers -------------------------------------------------------------------
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  };
  const addr = (a) => (a && a.Name ? `${a.Name} <${a.Address}>` : (a && a.Address) || '');
  const addrs = (list) => (list || []).map(addr).join(', ');
  const size = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);
  const when = (iso) => { const d = new Date(iso); return isNaN(d) ? iso : d.toLocaleString(); };
  const downloadBlob = (bytes, type, name) => {
    const a = el('a', { href: URL.createObjectURL(new Blob([bytes], { type })), download: name || 'part' });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };

  // ---- the drawer --------------------------------------------------------------------
  let root, backdrop, listEl, statusEl, pagerInfo, prevBtn, nextBtn, searchInput, msgPane, chaosPane, mailPane, badge;
  const tabs = {};

  const build = () => {
    backdrop = el('div', { id: 'inbox-backdrop', hidden: true, onclick: () => close() });
    badge = el('span', { id: 'inbox-chaos-badge', class: 'chaos-badge', hidden: true, role: 'status', text: '⚠ chaos is ON' });
    const tablist = el('div', { class: 'inbox-tabs', role: 'tablist', 'aria-label': 'What the inbox shows' });
    for (const [key, label] of [['relay', 'Relay'], ['simulation', 'Simulation'], ['chaos', 'Chaos']]) {
      tabs[key] = el('button', { type: 'button', role: 'tab', id: `inbox-tab-${key}`, 'data-view': key,
                                 'aria-selected': 'false', onclick: () => show(key) }, label);
      tablist.append(tabs[key]);
    }
    const closeBtn = el('button', { type: 'button', class: 'inbox-close', 'aria-label': 'Close the inbox (Escape)',
                                    title: 'Close (Escape)', onclick: () => close() }, '✕');
    searchInput = el('input', { type: 'search', id: 'inbox-search', 'aria-label': 'Search the messages',
                                placeholder: 'from:alice to:bob subject:lunch words' });
    const search = el('form', { class: 'inbox-search', role: 'search', onsubmit: (e) => {
      e.preventDefault();
      st.query = searchInput.value.trim();
      st.start = 0;
      refreshList();
    } }, searchInput, el('button', { type: 'submit' }, 'Search'));
    statusEl = el('p', { class: 'inbox-status', 'aria-live': 'polite' });
    listEl = el('ul', { class: 'inbox-list', 'aria-label': 'Messages, newest first' });
    prevBtn = el('button', { type: 'button', onclick: () => { st.start = Math.max(0, st.start - PAGE); refreshList(); } }, '← Newer');
    nextBtn = el('button', { type: 'button', onclick: () => { st.start += PAGE; refreshList(); } }, 'Older →');
    pagerInfo = el('span', { class: 'inbox-pager-info' });
    const listPane = el('section', { class: 'inbox-list-pane', 'aria-label': 'Message list' },
                        search, statusEl, listEl, el('nav', { class: 'inbox-pager', 'aria-label': 'Pages' }, prevBtn, pagerInfo, nextBtn));
    msgPane = el('section', { class: 'inbox-message', 'aria-label': 'Message', tabindex: '-1' });
    mailPane = el('div', { class: 'inbox-mail', role: 'tabpanel' }, listPane, msgPane);
    chaosPane = el('section', { class: 'inbox-chaos', role: 'tabpanel', 'aria-labelledby': 'inbox-tab-chaos', hidden: true });
    root = el('aside', { id: 'inbox', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'inbox-title', hidden: true },
              el('header', { class: 'inbox-header' }, el('h2', { id: 'inbox-title' }, 'Inbox'), badge, tablist, closeBtn),
              mailPane, chaosPane);
    document.body.append(backdrop, root);
  };

  const focusables = () => [...root.querySelectorAll(
    'button, [href], input, select, textarea, iframe, [tabindex]:not([tabindex="-1"])')]
    .filter((e) => !e.disabled && !e.closest('[hidden]') && e.getClientRects().length > 0);

  function onKey(e) {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
      return;
    }
    if (e.key === 'Tab') {  // focus stays in the drawer while it is open
      const f = focusables();
      if (!f.length) return;
      const i = f.indexOf(document.activeElement);
      if (e.shiftKey && (i <= 0)) { e.preventDefault(); f[f.length - 1].focus(); }
      else if (!e.shiftKey && (i === f.length - 1 || i < 0)) { e.preventDefault(); f[0].focus(); }
      return;
    }
    // Up / Down move through the message list.
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && e.target.closest && e.target.closest('.inbox-list')) {
      const items = [...listEl.querySelectorAll('button.inbox-item')];
      const i = items.indexOf(e.target);
      const next = items[i + (e.key === 'ArrowDown' ? 1 : -1)];
      if (next) { e.preventDefault(); next.focus(); }
    }
  }

  // While the drawer is open its keys are its own: the canvas's handlers (Emscripten's GLFW
  // listens on window in the capture phase, registered later than this one, when the module
  // starts) never see them, so typing here cannot play, step or jump the simulator. Key-up
  // events still pass, so GLFW never believes a key is held.
  for (const type of ['keydown', 'keypress']) {
    window.addEventListener(type, (e) => {
      if (!st.open) return;
      if (type === 'keydown') onKey(e);
      e.stopImmediatePropagation();
    }, true);
  }

  // Keeps focus inside while open (a click on the canvas behind the backdrop cannot happen;
  // focus arriving from elsewhere is sent back).
  document.addEventListener('focusin', (e) => {
    if (st.open && root && !root.contains(e.target)) {
      const f = focusables();
      if (f.length) f[0].focus();
    }
  });

  // ---- list --------------------------------------------------------------------------
  async function refreshList() {
    const source = st.view;
    statusEl.textContent = 'Loading…';
    let page;
    try {
      page = source === 'relay' ? await relayList(st.query, st.start, PAGE) : simList(st.query, st.start, PAGE);
    } catch (e) {
      if (source !== st.view) return;
      st.page = null;
      listEl.replaceChildren();
      statusEl.textContent = String(e.message || e);
      pagerInfo.textContent = '';
      prevBtn.disabled = nextBtn.disabled = true;
      return;
    }
    if (source !== st.view) return;
    st.page = page;
    if (source === 'relay' && !st.query && st.start === 0)
      st.relaySig = `${page.total} ${page.messages.length ? page.messages[0].ID : ''}`;
    listEl.replaceChildren();
    for (const m of page.messages) {
      const unread = !m.Read;
      const item = el('button', {
        type: 'button', class: 'inbox-item' + (unread ? ' unread' : '') + (st.selected === m.ID ? ' selected' : ''),
        'data-id': m.ID, 'aria-current': st.selected === m.ID ? 'true' : null,
        onclick: () => openMessage(m.ID),
      },
      el('span', { class: 'inbox-item-top' },
         el('span', { class: 'inbox-dot', 'aria-label': unread ? 'unread' : null, text: unread ? '●' : '' }),
         el('span', { class: 'inbox-from', text: addr(m.From) || '(no sender)' }),
         el('span', { class: 'inbox-date', text: when(m.Created) })),
      el('span', { class: 'inbox-subject', text: (m.Bounce ? '✗ bounce: ' : '') + (m.Subject || '(no subject)') +
                                                 (m.Attachments ? `  · ${m.Attachments} attachment${m.Attachments > 1 ? 's' : ''}` : '') }),
      el('span', { class: 'inbox-snippet', text: m.Where ? `${m.Host} · ${m.Where}` : m.Snippet }));
      listEl.append(el('li', {}, item));
    }
    const found = page.messages_count;
    showStatus();
    pagerInfo.textContent = found ? `${st.start + 1}–${st.start + page.messages.length} of ${found}` : '';
    prevBtn.disabled = st.start === 0;
    nextBtn.disabled = st.start + page.messages.length >= found;
  }

  function showStatus() {
    const page = st.page;
    const found = page.messages_count;
    if (!found) {
      let text = st.query ? `Nothing matches “${st.query}”.` : 'No messages.';
      if (st.view === 'simulation' && !st.query && page.run_total)
        text = `No copies stored yet at this step: the run stores ${page.run_total} (press End in the simulator, or step on).`;
      else if (st.view === 'relay' && !st.query)
        text = 'No captured mail yet. Send some to the relay (swaks, your app) and it shows here.';
      statusEl.textContent = text;
    } else {
      statusEl.textContent = `${found} message${found > 1 ? 's' : ''}${st.query ? ' found' : ''}, ${page.messages_unread} unread`;
    }
  }

  // New mail while the drawer shows the relay's list (or some deleted elsewhere): the list
  // is fetched again when the relay's totals or its newest message changed.
  async function refreshIfNewMail() {
    if (!st.open || st.view !== 'relay' || !st.page) return;
    try {
      const now = await relayList('', 0, 1);
      const newest = now.messages.length ? now.messages[0].ID : '';
      const sig = `${now.total} ${newest}`;
      if (st.relaySig && sig !== st.relaySig) await refreshList();
      st.relaySig = sig;
    } catch (e) { /* the relay went away: the list stays as it was */ }
  }

  // ---- message view ------------------------------------------------------------------
  async function openMessage(id) {
    const source = st.view;
    st.selected = id;
    for (const b of listEl.querySelectorAll('button.inbox-item')) {
      const on = b.dataset.id === id;
      b.classList.toggle('selected', on);
      if (on && b.classList.contains('unread') && st.page) { st.page.messages_unread--; showStatus(); }
      if (on) { b.classList.remove('unread'); b.setAttribute('aria-current', 'true'); b.querySelector('.inbox-dot').textContent = ''; }
      else b.removeAttribute('aria-current');
    }
    msgPane.replaceChildren(el('p', { class: 'inbox-status', text: 'Loading…' }));
    let msg;
    try {
      if (source === 'relay') {
        msg = await fetchJson(`/api/v1/message/${encodeURIComponent(id)}`);  // marks it read
      } else {
        msg = simCall({ op: 'inbox_message', id });
        simReadSet().add(id);
      }
    } catch (e) {
      msgPane.replaceChildren(el('p', { class: 'inbox-error', role: 'alert', text: String(e.message || e) }));
      return;
    }
    if (source !== st.view || st.selected !== id) return;
    st.message = msg;
    renderMessage(msg, source);
  }

  function renderMessage(msg, source) {
    const relay = source === 'relay';
    const meta = el('table', { class: 'inbox-meta' });
    const row = (k, v) => { if (v) meta.append(el('tr', {}, el('th', { scope: 'row', text: k }), el('td', { text: v }))); };
    row('From', addr(msg.From));
    row('To', addrs(msg.To));
    row('Cc', addrs(msg.Cc));
    row('Bcc', addrs(msg.Bcc));
    row('Date', when(msg.Date));
    row('Size', size(msg.Size || 0));
    if (!relay) row('Stored', `${msg.Host} · ${msg.Where}${msg.Bounce ? ' · bounce (RFC 3464)' : ''}`);

    const actions = el('div', { class: 'inbox-actions' });
    if (typeof inbox.onShowSession === 'function') {
      // The hook may answer (or resolve to) a sentence when it has nothing to show: said here.
      const said = el('p', { class: 'inbox-show-session-result', role: 'status', hidden: true });
      actions.append(el('button', { type: 'button', class: 'inbox-show-session', onclick: async () => {
        said.hidden = true;
        let answer;
        try { answer = await inbox.onShowSession(msg); } catch (e) { answer = String(e.message || e); }
        if (typeof answer === 'string' && answer) { said.textContent = answer; said.hidden = false; }
      } }, 'Show the session'), said);
    }
    if (!relay)
      actions.append(el('button', { type: 'button', class: 'inbox-show-step', onclick: () => { close(); api.seek(msg.Step); } },
                        `Show in the run (step ${msg.Step})`));
    let releaseForm = null;
    if (relay) {
      actions.append(el('button', { type: 'button', class: 'inbox-delete', onclick: () => deleteMessage(msg.ID) }, 'Delete'));
      const rcpts = el('input', { type: 'text', id: 'inbox-release-to', 'aria-label': 'Release to (addresses, comma-separated)',
                                  placeholder: 'someone@example.org, other@example.org' });
      const out = el('p', { class: 'inbox-release-result', role: 'status' });
      releaseForm = el('form', { class: 'inbox-release', hidden: true, onsubmit: async (e) => {
        e.preventDefault();
        const to = rcpts.value.split(/[\s,;]+/).filter(Boolean);
        out.className = 'inbox-release-result';
        try {
          const r = await fetch(`/api/v1/message/${encodeURIComponent(msg.ID)}/release`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ To: to }) });
          const text = await r.text();
          let body = null;
          try { body = JSON.parse(text); } catch (err) { body = null; }
          if (!r.ok) throw new Error((body && body.Error) || text || `HTTP ${r.status}`);
          out.textContent = `Released to ${to.join(', ')}: queued on the relay.`;
        } catch (err) {
          out.classList.add('inbox-error');
          out.textContent = `Refused: ${err.message || err}`;
        }
      } }, el('label', { for: 'inbox-release-to', text: 'Release to' }), rcpts, el('button', { type: 'submit' }, 'Release'), out);
      actions.append(el('button', { type: 'button', class: 'inbox-release-open', 'aria-expanded': 'false', onclick: (e) => {
        releaseForm.hidden = !releaseForm.hidden;
        e.currentTarget.setAttribute('aria-expanded', String(!releaseForm.hidden));
        if (!releaseForm.hidden) rcpts.focus();
      } }, 'Release…'));
    }

    const views = [];
    if (msg.HTML) views.push(['html', 'HTML']);
    views.push(['text', 'Text'], ['headers', 'Headers'], ['raw', 'Raw'], ['parts', 'Parts & attachments']);
    if (!relay) views.push(['route', 'Route']);
    const bar = el('div', { class: 'inbox-msg-tabs', role: 'tablist', 'aria-label': 'Message views' });
    const panel = el('div', { class: 'inbox-msg-panel', role: 'tabpanel' });
    const select = (key) => {
      st.msgTab = key;
      for (const b of bar.children) b.setAttribute('aria-selected', String(b.dataset.view === key));
      renderPanel(panel, key, msg, source);
    };
    for (const [key, label] of views)
      bar.append(el('button', { type: 'button', role: 'tab', 'data-view': key, onclick: () => select(key) }, label));
    msgPane.replaceChildren(...[el('h3', { class: 'inbox-msg-subject', text: msg.Subject || '(no subject)' }), meta, actions,
                                releaseForm, bar, panel].filter(Boolean));
    const keep = views.some(([k]) => k === st.msgTab) ? st.msgTab : views[0][0];
    select(keep);
  }

  async function renderPanel(panel, key, msg, source) {
    const relay = source === 'relay';
    const id = encodeURIComponent(msg.ID);
    if (key === 'html') {
      const frame = el('iframe', { class: 'inbox-html', title: 'The message’s HTML (scripts and remote content blocked)',
                                   sandbox: '', referrerpolicy: 'no-referrer' });
      if (relay) frame.setAttribute('src', `/view/${id}.html`);  // served with a sandboxing CSP
      else frame.srcdoc = `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${SRCDOC_CSP}">` + msg.HTML;
      panel.replaceChildren(frame);
    } else if (key === 'text') {
      panel.replaceChildren(el('pre', { class: 'inbox-pre inbox-text', text: msg.Text || '(no text part)' }));
    } else if (key === 'headers') {
      let headers = msg.Headers;
      if (relay) {
        panel.replaceChildren(el('p', { class: 'inbox-status', text: 'Loading…' }));
        try { headers = await fetchJson(`/api/v1/message/${id}/headers`); } catch (e) { headers = { Error: [String(e.message || e)] }; }
      }
      const table = el('table', { class: 'inbox-headers' }, el('tr', {}, el('th', { scope: 'col', text: 'Field' }), el('th', { scope: 'col', text: 'Value' })));
      for (const [name, values] of Object.entries(headers || {}))
        for (const v of values) table.append(el('tr', {}, el('th', { scope: 'row', text: name }), el('td', { text: v })));
      if (st.msgTab === key) panel.replaceChildren(table);
    } else if (key === 'raw') {
      let raw = msg.Raw;
      if (relay) {
        panel.replaceChildren(el('p', { class: 'inbox-status', text: 'Loading…' }));
        try {
          const r = await fetch(`/api/v1/message/${id}/raw`);
          raw = await r.text();
        } catch (e) { raw = String(e.message || e); }
      }
      if (st.msgTab === key) panel.replaceChildren(el('pre', { class: 'inbox-pre inbox-raw', text: raw }));
    } else if (key === 'parts') {
      const table = el('table', { class: 'inbox-parts' },
                       el('tr', {}, ...['Part', 'Type', 'Name', 'Size', ''].map((h) => el('th', { scope: 'col', text: h }))));
      const link = (p) => {
        const name = p.FileName || `part-${p.PartID}`;
        if (relay) return el('a', { href: `/api/v1/message/${id}/part/${encodeURIComponent(p.PartID)}`, download: name }, 'Download');
        return el('button', { type: 'button', onclick: () => {
          const part = simCall({ op: 'inbox_part', id: msg.ID, part: p.PartID });
          const bin = atob(part.Base64);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; ++i) bytes[i] = bin.charCodeAt(i);
          downloadBlob(bytes, part.ContentType, name);
        } }, 'Download');
      };
      // The relay lists attachments and inline parts (Mailpit's message); the simulator the
      // whole MIME tree.
      const parts = relay
        ? [...(msg.Attachments || []).map((p) => Object.assign({ Kind: 'attachment' }, p)),
           ...(msg.Inline || []).map((p) => Object.assign({ Kind: 'inline' }, p))]
        : msg.Parts;
      for (const p of parts) {
        const multipart = (p.ContentType || '').startsWith('multipart/');
        table.append(el('tr', { class: p.Kind || p.Disposition || '' },
                        el('td', { text: '  '.repeat(p.Depth || 0) + (p.PartID || '(root)') }),
                        el('td', { text: p.ContentType }),
                        el('td', { text: p.FileName || (p.Kind ? p.Kind : p.Disposition) || '' }),
                        el('td', { text: size(p.Size || 0) }),
                        el('td', {}, multipart ? '' : link(p))));
      }
      const note = relay && !parts.length ? el('p', { class: 'inbox-status', text: 'No attachments or inline parts.' }) : null;
      panel.replaceChildren(...[table, note].filter(Boolean));
    } else if (key === 'route') {
      const list = el('ol', { class: 'inbox-route' });
      for (const r of msg.Route || [])
        list.append(el('li', { class: `route-${r.Kind} outcome-${r.Outcome}` },
                       el('button', { type: 'button', title: 'Show this step in the simulator', onclick: () => { close(); api.seek(r.Step); } },
                          `step ${r.Step}`),
                       ` ${r.Outcome === 'refused' || r.Outcome === 'failed' || r.Outcome === 'timed_out' ? '✗ ' : ''}${r.From}${r.To ? ' → ' + r.To : ''}: ${r.Text}`));
      panel.replaceChildren(el('p', { class: 'inbox-status', text: 'The steps of the run that carried this copy: connections, queueing, delivery.' }), list);
    }
  }

  async function deleteMessage(id) {
    try {
      const r = await fetch('/api/v1/messages', { method: 'DELETE', headers: { 'Content-Type': 'application/json' },
                                                  body: JSON.stringify({ IDs: [id] }) });
      if (!r.ok) throw new Error(await r.text());
      st.selected = null;
      msgPane.replaceChildren(el('p', { class: 'inbox-status', text: 'Deleted.' }));
      await refreshList();
      const first = listEl.querySelector('button.inbox-item');
      (first || searchInput).focus();
    } catch (e) {
      msgPane.prepend(el('p', { class: 'inbox-error', role: 'alert', text: `Could not delete: ${e.message || e}` }));
    }
  }

  // ---- chaos -------------------------------------------------------------------------
  const chaosActive = (c) => !!c && (['Sender', 'Recipient', 'Authentication'].some((k) => c[k] && c[k].Probability > 0) ||
    (c.Relaylab && (c.Relaylab.Greylist && c.Relaylab.Greylist.Enabled || c.Relaylab.DeferEvery > 0 ||
                    c.Relaylab.SlowRepliesMs > 0 || (c.Relaylab.DropAfterData && c.Relaylab.DropAfterData.Probability > 0))));

  function setChaos(c) {
    st.chaos = c;
    st.chaosOn = chaosActive(c);
    badge.hidden = !st.chaosOn;
    // The toolbar's button says it too (a change only: each call draws a frame).
    const text = st.chaosOn ? 'chaos ON' : '';
    if (text !== st.buttonBadge) {
      try { simCall({ op: 'inboxBadge', text }); st.buttonBadge = text; } catch (e) { /* no simulator here */ }
    }
  }

  async function refreshChaos() {
    try { setChaos(await fetchJson('/api/v1/chaos')); } catch (e) { setChaos(null); }
  }

  function renderChaos(error) {
    const c = st.chaos;
    if (!c) {
      chaosPane.replaceChildren(el('p', { class: 'inbox-status', text: 'Chaos switches are on the relay: this page is not served by one.' }));
      return;
    }
    const num = (id, label, value, min, max, hint) => el('label', { for: id, class: 'chaos-field' }, label,
      el('input', { type: 'number', id, min, max, value: String(value), 'aria-describedby': hint ? `${id}-hint` : null }),
      hint ? el('small', { id: `${id}-hint`, text: hint }) : null);
    const triggers = el('fieldset', {}, el('legend', { text: 'Mailpit triggers: refuse a command with a code, by chance' }));
    for (const [k, what] of [['Sender', 'at MAIL FROM'], ['Recipient', 'at RCPT TO'], ['Authentication', 'at AUTH']]) {
      const t = c[k] || { ErrorCode: 451, Probability: 0 };
      triggers.append(el('div', { class: 'chaos-row' }, el('span', { class: 'chaos-name', text: `${k} (${what})` }),
                         num(`chaos-${k}-code`, 'Error code', t.ErrorCode, 400, 599),
                         num(`chaos-${k}-prob`, 'Probability %', t.Probability, 0, 100)));
    }
    const r = c.Relaylab || {};
    const g = r.Greylist || {};
    const own = el('fieldset', {}, el('legend', { text: 'relaylab’s own' }),
      el('div', { class: 'chaos-row' },
         el('label', { for: 'chaos-greylist', class: 'chaos-check' },
            el('input', { type: 'checkbox', id: 'chaos-greylist', checked: !!g.Enabled }), 'Greylist new senders (451 4.7.1)'),
         num('chaos-greylist-delay', 'Delay ms', g.DelayMs || 60000, 0, 86400000)),
      el('div', { class: 'chaos-row' },
         num('chaos-defer', 'Defer every Nth message (0 = off)', r.DeferEvery || 0, 0, 1000000),
         num('chaos-slow', 'Slow replies ms', r.SlowRepliesMs || 0, 0, 600000),
         num('chaos-drop', 'Drop after DATA %', (r.DropAfterData || {}).Probability || 0, 0, 100)));
    const out = el('p', { class: 'chaos-result ' + (error ? 'inbox-error' : 'inbox-status'), role: 'status',
                          text: error || (st.chaosOn ? 'Chaos is ON: the relay fails on purpose.' : 'All chaos switches are off.') });
    const form = el('form', { class: 'chaos-form', onchange: () => putChaos(form), onsubmit: (e) => { e.preventDefault(); putChaos(form); } },
                    triggers, own,
                    el('div', { class: 'inbox-actions' },
                       el('button', { type: 'button', class: 'chaos-off', onclick: () => putChaos(null) }, 'All off')),
                    out);
    chaosPane.replaceChildren(el('h3', { text: 'Chaos switches on the real relay' }),
                              el('p', { class: 'inbox-status', text: 'Every change is sent at once (PUT /api/v1/chaos) and applies to new commands.' }),
                              form);
  }

  async function putChaos(form) {
    let body = {};
    if (form) {
      const v = (id) => Number(form.querySelector(`#${id}`).value);
      for (const k of ['Sender', 'Recipient', 'Authentication'])
        body[k] = { ErrorCode: v(`chaos-${k}-code`), Probability: v(`chaos-${k}-prob`) };
      body.Relaylab = {
        Greylist: { Enabled: form.querySelector('#chaos-greylist').checked, DelayMs: v('chaos-greylist-delay') },
        DeferEvery: v('chaos-defer'), SlowRepliesMs: v('chaos-slow'), DropAfterData: { Probability: v('chaos-drop') },
      };
    }
    // One PUT at a time, in the order of the changes: two in flight could reach the relay
    // the other way round and leave it with the older values. Only the last one's answer
    // is written back into the form (an earlier one would undo a field edited since).
    const mine = ++st.chaosPuts;
    const sent = st.chaosChain.then(async () => {
      try {
        const r = await fetch('/api/v1/chaos', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        return r.ok ? null : `Refused: ${await r.text()}`;
      } catch (e) {
        return String(e.message || e);
      }
    });
    st.chaosChain = sent.catch(() => null);
    const error = await sent;
    if (mine !== st.chaosPuts && !error) return;
    await refreshChaos();
    syncChaosForm(error);
  }

  // The form shows what the relay now has (after a refusal, the values it kept); the field
  // being edited is left alone after a success.
  function syncChaosForm(error) {
    const form = chaosPane.querySelector('.chaos-form');
    const c = st.chaos;
    if (!form || !c) { renderChaos(error); return; }
    const set = (id, v) => {
      const input = form.querySelector(`#${id}`);
      if (!input || (!error && input === document.activeElement)) return;
      if (input.type === 'checkbox') input.checked = !!v;
      else input.value = String(v);
    };
    for (const k of ['Sender', 'Recipient', 'Authentication']) {
      set(`chaos-${k}-code`, c[k].ErrorCode);
      set(`chaos-${k}-prob`, c[k].Probability);
    }
    const r = c.Relaylab || {};
    set('chaos-greylist', (r.Greylist || {}).Enabled);
    set('chaos-greylist-delay', (r.Greylist || {}).DelayMs);
    set('chaos-defer', r.DeferEvery || 0);
    set('chaos-slow', r.SlowRepliesMs || 0);
    set('chaos-drop', (r.DropAfterData || {}).Probability || 0);
    const out = form.querySelector('.chaos-result');
    out.className = 'chaos-result ' + (error ? 'inbox-error' : 'inbox-status');
    out.textContent = error || (st.chaosOn ? 'Chaos is ON: the relay fails on purpose.' : 'All chaos switches are off.');
  }

  // ---- opening, switching, closing ---------------------------------------------------
  async function show(view) {
    if (view === 'relay' && !st.relay) view = 'simulation';
    st.view = view;
    for (const [k, b] of Object.entries(tabs)) {
      b.setAttribute('aria-selected', String(k === view));
      b.tabIndex = k === view ? 0 : -1;
    }
    tabs.relay.disabled = !st.relay;
    tabs.chaos.disabled = !st.relay;
    tabs.relay.title = st.relay ? 'The relay serving this page (Mailpit API)' : 'No relay serves this page';
    root.dataset.view = view;
    const chaos = view === 'chaos';
    mailPane.hidden = chaos;
    chaosPane.hidden = !chaos;
    if (chaos) {
      await refreshChaos();
      renderChaos();
      return;
    }
    mailPane.setAttribute('aria-labelledby', `inbox-tab-${view}`);
    st.selected = null;
    st.message = null;
    st.start = 0;
    msgPane.replaceChildren(el('p', { class: 'inbox-status', text: 'Choose a message (Tab to the list, ↑ ↓ to move, Enter to open).' }));
    await refreshList();
  }

  async function open(view) {
    if (!root) build();
    if (!st.open) st.returnFocus = document.activeElement;
    st.open = true;
    root.hidden = false;
    backdrop.hidden = false;
    document.body.classList.add('inbox-open');
    st.relay = await relayAvailable();
    if (st.relay) refreshChaos();
    const want = view === 'simulation' || view === 'chaos' || view === 'relay' ? view : (st.relay ? 'relay' : 'simulation');
    await show(want);
    const first = view === 'chaos' ? chaosPane.querySelector('input') : (listEl.querySelector('button.inbox-item') || searchInput);
    (first || tabs[st.view]).focus();
    return { source: st.view, relay: st.relay };
  }

  function close() {
    if (!st.open) return;
    st.open = false;
    root.hidden = true;
    backdrop.hidden = true;
    document.body.classList.remove('inbox-open');
    const back = st.returnFocus && document.contains(st.returnFocus) ? st.returnFocus : document.getElementById('canvas');
    if (back) back.focus();
  }

  inbox.open = open;
  inbox.close = close;
  inbox.isOpen = () => st.open;
  inbox.chaosOn = () => st.chaosOn;
  if (!('onShowSession' in inbox)) inbox.onShowSession = null;

  // The chaos badge shows without opening the drawer: checked once the page is up, and again
  // whenever the page becomes visible.
  // Someone else (curl, a test suite) may switch chaos on: a relay's page looks every 5 s.
  let polling = null;
  const checkChaos = async () => {
    if (!root) build();
    if (!(await relayAvailable())) return;
    await refreshChaos();
    if (!polling) polling = setInterval(() => { if (!document.hidden) { refreshChaos(); refreshIfNewMail(); } }, 5000);
  };
  if (api.ready) api.ready.then(checkChaos, checkChaos);
  else checkChaos();
  document.addEventListener('visibilitychange', () => { if (!document.hidden) checkChaos(); });
})();
