// Live mode: when a relay serves this page (its Mailpit API answers at api/v1/info), the
// page offers a Live button and follows the relay's sessions over the WebSocket
// GET /api/v1/live (native/live_ws.cpp). Every message goes, as received, into the
// simulator (relaylab_call op live_feed, web/ui/live_api.hpp), which shows the sessions in
// its own panels.
//   relaylab.live.sessions() → [{id, role, peer, started, status, messages}], newest first
//   relaylab.live.open(id)   → shows that session (or, given a queue id, its whole route)
//   relaylab.live.mode(on)   → Live mode on or off
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
    connected: false,
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
    connect();
  }).catch(() => {});
})();
