// Workshop rooms (native/rooms.hpp): a presenter opens a room on the relay serving the page
// and its link; students who open the link follow the presenter's scenario, step and
// switches (the page's link fragment) over a WebSocket, and may detach to explore and
// re-attach.
//   relaylab.room.open()    → {id, token, link} (presenter; needs the relay's admin credentials)
//   relaylab.room.close()   → stops pushing (presenter)
//   relaylab.room.detach() / attach()   (student) — attach jumps back to the presenter's state
//   relaylab.room.status()  → {role: "presenter"|"student"|null, id, attached, connected, fragment}
(function () {
  const api = window.relaylab;
  if (!api) return;
  const state = { role: null, id: null, attached: true, connected: false, fragment: '' };
  let pushTimer = null;
  let button = null;

  const showButton = () => {  // the student's Detach / Follow switch, over the canvas
    if (!button) {
      button = document.createElement('button');
      button.id = 'room-follow';
      button.style.cssText = 'position:fixed;right:12px;bottom:12px;z-index:10;font:16px sans-serif;padding:6px 12px';
      button.onclick = () => (state.attached ? api.room.detach() : api.room.attach());
      document.body.appendChild(button);
    }
    button.textContent = state.attached ? `Following room ${state.id}: detach` : `Detached: follow room ${state.id} again`;
  };
  const follow = () => {
    if (state.fragment && state.attached) {
      try { api.open(state.fragment); } catch (e) { console.warn(String(e)); }
    }
  };

  api.room = {
    status: () => Object.assign({}, state),
    open: async () => {
      const r = await fetch('api/v1/rooms', { method: 'POST' });
      if (!r.ok) throw new Error(`relaylab: cannot open a room (${r.status})`);
      const room = await r.json();
      state.role = 'presenter';
      state.id = room.id;
      let last = null;
      const push = async () => {
        const fragment = api.link();
        if (fragment === last) return;
        last = fragment;
        state.fragment = fragment;
        await fetch(`api/v1/rooms/${room.id}`, { method: 'PUT', body: fragment }).catch(() => { last = null; });
      };
      clearInterval(pushTimer);
      pushTimer = setInterval(push, 250);
      await push();
      return Object.assign(room, { link: new URL(room.link, location.href).href });
    },
    close: () => { clearInterval(pushTimer); pushTimer = null; state.role = null; },
    detach: () => { state.attached = false; showButton(); },
    attach: () => { state.attached = true; showButton(); follow(); },
  };

  const params = new URLSearchParams(location.search);
  const id = params.get('room');
  if (!id) return;
  state.role = 'student';
  state.id = id;
  const connect = () => {
    const url = new URL(`api/v1/rooms/${encodeURIComponent(id)}/follow`, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);  // the room's cookie (set when the link was opened) lets it in
    ws.onopen = () => { state.connected = true; };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type !== 'state') return;
      state.fragment = m.fragment;
      follow();
    };
    ws.onclose = () => { state.connected = false; setTimeout(connect, 2000); };
  };
  api.ready.then(() => { showButton(); connect(); }).catch(() => {});
})();
