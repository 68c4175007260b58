// Live mode: when a relay serves this page (its Mailpit API answers at api/v1/info), the
// page offers a Live button and follows the relay's sessions over the WebSocket
// GET /api/v1/live (native/live_ws.cpp). Every message goes, as received, into the
// simulator (relaylab_call op live_feed, web/ui/live_api.hpp), which shows the sessions in
// its own panels.
//   relaylab.live.sessions() → [{id, role, peer, started, status, messages}], newest first
//   relaylab.live.open(id)   → shows that session (or, given a queue id, its whole route)
//   relaylab.live.mode(on)   → Live mode on or off
//   relaylab.live.rebuild(id) → "Open in the simulator": the world rebuilt from what that session
//                              (or route) did, loaded (Live mode ends) → {ok, name, notes, json}
//                              or {ok: false, error}
// The Inbox's "Show the session" (relaylab.inbox.onShowSession) asks the relay which sessions
// carried a message and shows its route here.
(function () {
  const api = window.relaylab;
  if (!api) return;
  const call = (request) => {
    const answer = JSON.parse(Module.ccall('relaylab_call', 'string', ['string'], [JSON.stringify(request)]));
    if (!answer.ok) throw new Error('relaylab: ' + answer.error);
    return answer.result;
  };
  api.live = {
    sessions: () => call({ op: 'live_sessions' }),
    open: (id) => call({ op: 'live_open', id: String(id) }),
    mode: (on) => call({ op: 'live_mode', on: !!on }),
    rebuild: (id) => call({ op: 'live_rebuild', id: String(id) }),
    connected: false,
  };
  // "Show the session" for an Inbox message (its ID, or a queue id): GET
  // api/v1/live/by-message/ID names the sessions that carried it, each with all its events.
  // They go into the trace as they are (replacing what the page had of them: the page may
  // have been opened after the mail came), then Live mode shows the message's route.
  // Resolves to "" when shown, or to the sentence the drawer shows when nothing is known.
  const showSession = async (msg) => {
    let found = null;
    try {
      const r = await fetch(`api/v1/live/by-message/${encodeURIComponent(msg.ID)}`, { headers: { Accept: 'application/json' } });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      found = await r.json();
    } catch (e) {
      return `The relay could not say which session carried this message (${e.message || e}).`;
    }
    const sessions = (found && Array.isArray(found.sessions)) ? found.sessions : [];
    if (!sessions.length)
      return 'The relay knows no session of this message: it keeps only its recent sessions (and none of mail it never handled).';
    for (const s of sessions)
      call({ op: 'live_feed', text: JSON.stringify(Object.assign({}, s.session, { type: 'session', events: s.events || [] })) });
    try {
      call({ op: 'live_mode', on: true });
      api.live.open(found.queue_id);
    } catch (e) {
      return String(e.message || e);
    }
    if (api.inbox && api.inbox.close) api.inbox.close();
    return '';
  };
  const connect = () => {
    const url = new URL('api/v1/live', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    ws.onopen = () => {
      api.live.connected = true;
      call({ op: 'live_connected', on: true });
    };
    ws.onmessage = (e) => {
      try { call({ op: 'live_feed', text: String(e.data) }); } catch (err) { console.warn(String(err)); }
    };
    ws.onclose = () => {
      if (api.live.connected) call({ op: 'live_connected', on: false });
      api.live.connected = false;
      setTimeout(connect, 2000);  // the relay restarted, or the network blinked
    };
  };
  // A workshop room's student (rooms.js) has a read-only token: no live view.
  if (new URLSearchParams(location.search).has('room')) return;
  api.ready.then(async () => {
    // The relay names itself in its Server header (asking a plain file server for
    // api/v1/info would put a 404 on the console); then its Mailpit API must answer.
    let relay = false;
    try {
      const page = await fetch(location.pathname, { method: 'HEAD', cache: 'no-store' });
      if ((page.headers.get('server') || '') === 'relaylab') {
        const r = await fetch('api/v1/info', { headers: { Accept: 'application/json' } });
        relay = r.ok && (r.headers.get('content-type') || '').startsWith('application/json');
      }
    } catch (e) {
      relay = false;
    }
    if (!relay) return;  // plain files: the simulator alone
    call({ op: 'live_available', on: true });
    api.inbox = api.inbox || {};
    api.inbox.onShowSession = showSession;
    connect();
  }).catch(() => {});
})();
