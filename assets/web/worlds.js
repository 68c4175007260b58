// Your own world in the page: relaylab.loadWorld(json), worldJson(), worldLink(), openFile(),
// a .json dropped on the page, and the links #world=<base64url of the deflate-raw compressed
// JSON> and #world-url=<a same-origin path>. The checking is the simulator's own
// (sim::parse_scenario, as `relaylab sim FILE`): an error names the JSON path and shows on
// the page, and the world shown stays.
(function () {
  const api = window.relaylab;
  if (!api) return;
  const raw = (request) => JSON.parse(Module.ccall('relaylab_call', 'string', ['string'], [JSON.stringify(request)]));
  const call = (request) => {
    const answer = raw(request);
    if (!answer.ok) throw new Error('relaylab: ' + answer.error);
    return answer.result;
  };
  const notice = (text) => call({ op: 'showNotice', title: 'Cannot load this world', text });

  // base64url (RFC 4648 §5, no padding) of deflate-raw (RFC 1951) bytes.
  const toBase64url = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const fromBase64url = (text) => {
    let t = text.replace(/-/g, '+').replace(/_/g, '/');
    while (t.length % 4) t += '=';
    return Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
  };
  const through = async (bytes, stream) =>
    new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
  const compress = async (text) => toBase64url(await through(new TextEncoder().encode(text), new CompressionStream('deflate-raw')));
  const decompress = async (data) =>
    new TextDecoder('utf-8', { fatal: true }).decode(await through(fromBase64url(data), new DecompressionStream('deflate-raw')));

  let cached = { json: null, data: null };
  const encoded = async (json) => {
    if (cached.json !== json) cached = { json, data: await compress(json) };
    return cached.data;
  };
  const pageUrl = () => location.origin + location.pathname + location.search;

  // → {ok, error}: error names the JSON path ("scenario.hosts[2].kind: unknown kind …").
  api.loadWorld = (jsonText, options = {}) => {
    const r = call({ op: 'loadWorld', json: String(jsonText), state: options.state || '', source: options.source || '' });
    return { ok: r.ok, error: r.error || null };
  };
  api.worldJson = () => call({ op: 'worldJson' });
  // The link that reopens this world (its JSON in the link) at this step with these switches;
  // with a JSON text: the link of that world, from its start.
  api.worldLink = async (jsonText) => {
    const state = api.state();
    const json = jsonText === undefined ? api.worldJson() : String(jsonText);
    const rest = jsonText === undefined ? state.link.replace(/^(world=@|scenario=[^&]*)&?/, '') : '';
    return `${pageUrl()}#world=${await encoded(json)}${rest ? '&' + rest : ''}`;
  };
  api.openEditor = (on = true) => call({ op: 'editor', on: !!on });
  api.editorState = () => call({ op: 'editorState' });

  // The address bar of a loaded world: "world=@&step=N" from the simulator, the @ replaced.
  api._showWorldLink = async (fragment) => {
    await null;  // called from inside relaylab_call: let that call return before calling again
    const data = await encoded(api.worldJson());
    if (api.state().link !== fragment) return;  // moved on meanwhile
    const rest = fragment.replace(/^world=@&?/, '');
    history.replaceState(null, document.title, `#world=${data}${rest ? '&' + rest : ''}`);
  };

  // #world=… / #world-url=…: true when the fragment is one (it loads asynchronously).
  const openWorldHash = (hash) => {
    const m = /^#?world(-url)?=([^&]*)&?(.*)$/.exec(hash || '');
    if (!m) return false;
    (async () => {
      let text;
      let source;
      if (m[1]) {
        let target;
        try {
          target = new URL(decodeURIComponent(m[2]), location.href);
        } catch (e) {
          notice(`The link's world-url "${m[2]}" is not a URL.`);
          return;
        }
        if (target.origin !== location.origin) {
          notice(`The link's world-url ${target.href} is on another site (${target.origin}): ` +
                 `only this page's own site (${location.origin}) may provide a world.`);
          return;
        }
        try {
          const r = await fetch(target, { credentials: 'same-origin' });
          if (!r.ok) throw new Error(`the server answered ${r.status}`);
          text = await r.text();
        } catch (e) {
          notice(`The link's world-url ${target.pathname} could not be fetched: ${e.message || e}.`);
          return;
        }
        source = target.pathname;
      } else {
        try {
          text = await decompress(m[2]);
        } catch (e) {
          notice("The link's #world= is not a compressed world (the link may have been cut short).");
          return;
        }
        source = "The link's world";
      }
      api.loadWorld(text, { state: decodeURIComponent(m[3] || ''), source });
    })();
    return true;
  };
  api._openWorldHash = openWorldHash;
  // The link the page was opened with (the first frame writes the default scenario's fragment).
  const openedWith = location.hash;
  api.ready.then(() => openWorldHash(openedWith)).catch(() => {});
  window.addEventListener('hashchange', () => openWorldHash(location.hash));

  // Open file…: a file picker for a .json world.
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.id = 'world-file';
  picker.accept = '.json,application/json';
  picker.hidden = true;
  document.body.appendChild(picker);
  const loadFile = async (file) => {
    if (!file) return null;
    const result = api.loadWorld(await file.text(), { source: `The file ${file.name}` });
    return result;
  };
  picker.addEventListener('change', () => {
    const file = picker.files && picker.files[0];
    picker.value = '';
    loadFile(file);
  });
  api.openFile = () => picker.click();

  // A .json dropped anywhere on the page.
  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    loadFile(e.dataTransfer.files[0]);
  });

  // The editor's buttons (web/ui/editor_panel.hpp): open a file, download, copy the link.
  api._action = async (action, arg) => {
    await null;  // called from inside a frame: act after it
    if (action === 'open_file') {
      picker.click();
    } else if (action === 'download') {
      let name = 'world';
      try { name = JSON.parse(arg).name || name; } catch (e) { /* the text as it is */ }
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([arg], { type: 'application/json' }));
      a.download = `${String(name).replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    } else if (action === 'copy_link') {
      api.worldLink(arg).then(async (link) => {
        api.copiedLink = link;
        try {
          await navigator.clipboard.writeText(link);
        } catch (e) {
          call({ op: 'showNotice', title: 'Could not copy the link',
                 text: 'The browser did not allow the clipboard. Run the world, then copy the address bar: it holds the same link.' });
        }
      });
    }
  };
})();
