// The live connection (/ws): one socket for the whole page, channels
// subscribed by the pages that need them. Keeps the last seq per channel,
// resubscribes with `since` after a gap or a reconnect, reconnects with
// jittered exponential backoff, and reports its state. A live page follows
// its channel with follow() (at the end): subscribe, then load over HTTP, then
// apply the events idempotently.

const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const TYPING_EVERY_MS = 3_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

class Channel {
  constructor(name) {
    this.name = name;
    this.seq = null; // last seq applied; null until the first `subscribed`
    this.head = null; // the seq the last `subscribed` announced
    this.handlers = new Set();
    this.resyncing = false;
    this.subscribed = false;
    this.lastTyping = 0;
  }
}

export class Live {
  constructor() {
    this.ws = null;
    this.channels = new Map();
    this.state = "idle"; // idle | connecting | live | reconnecting | offline
    this.retryAt = null;
    this.attempt = 0;
    this.timer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.stateListeners = new Set();
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.goOffline());
  }

  // ---- public --------------------------------------------------------------

  /** Follow a channel. handlers: {event(msg), reset(), presence(msg),
   * subscribed(msg, first), error(msg)}. Returns a function that stops. */
  subscribe(name, handlers) {
    let ch = this.channels.get(name);
    if (!ch) {
      ch = new Channel(name);
      this.channels.set(name, ch);
    }
    ch.handlers.add(handlers);
    clearTimeout(this.idleTimer);
    if (this.isOpen()) {
      if (ch.subscribed && ch.seq !== null) {
        // Already following: tell the new handler where we are.
        queueMicrotask(() => handlers.subscribed && handlers.subscribed({ seq: ch.seq }, false));
      } else if (!ch.subscribed) {
        this.sendSubscribe(ch);
      }
    } else {
      this.ensureConnected();
    }
    return () => {
      ch.handlers.delete(handlers);
      if (ch.handlers.size === 0) {
        this.channels.delete(name);
        if (this.isOpen() && ch.subscribed) this.send({ type: "unsubscribe", channel: name });
        if (this.channels.size === 0) {
          // Keep the socket a moment: the next page probably follows something too.
          clearTimeout(this.idleTimer);
          this.idleTimer = setTimeout(() => {
            if (this.channels.size === 0) this.idle();
          }, 5000);
        }
      }
    };
  }

  /** Resolves true once `name` is subscribed (the server has announced its
   * head seq), or false after `ms`: load over HTTP after this, and nothing
   * written between the load and the subscription is missed. */
  whenSubscribed(name, ms = 2000) {
    const ch = this.channels.get(name);
    if (!ch) return Promise.resolve(false);
    if (ch.subscribed && ch.seq !== null && this.isOpen() && !ch.waiters) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value) => {
        clearTimeout(timer);
        if (ch.waiters) ch.waiters.delete(done);
        resolve(value);
      };
      const timer = setTimeout(() => done(false), ms);
      if (!ch.waiters) ch.waiters = new Set();
      ch.waiters.add(done);
    });
  }

  /** Tell the others the user is typing (at most once per 3 s per channel). */
  typing(name) {
    const ch = this.channels.get(name);
    if (!ch || !this.isOpen()) return;
    const now = Date.now();
    if (now - ch.lastTyping < TYPING_EVERY_MS) return;
    ch.lastTyping = now;
    this.send({ type: "typing", channel: name });
  }

  onState(fn) {
    this.stateListeners.add(fn);
    fn(this.state, this.retryAt);
    return () => this.stateListeners.delete(fn);
  }

  /** After sign in or out: reconnect so the socket carries the new identity. */
  restart() {
    if (this.channels.size === 0) return;
    this.dropSocket();
    this.attempt = 0;
    this.connect();
  }

  reconnectNow() {
    if (this.channels.size === 0) return;
    if (this.isOpen() || this.state === "connecting") return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  // ---- internals -----------------------------------------------------------

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  setState(state, retryAt = null) {
    this.state = state;
    this.retryAt = retryAt;
    for (const fn of this.stateListeners) fn(state, retryAt);
  }

  ensureConnected() {
    if (this.ws || this.timer || this.state === "offline") return;
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (navigator.onLine === false) {
      this.setState("offline");
      return;
    }
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/ws`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    ws.addEventListener("open", () => {
      if (ws !== this.ws) return;
      this.setState("live");
      for (const ch of this.channels.values()) {
        ch.subscribed = false;
        this.sendSubscribe(ch);
      }
      this.startHeartbeat();
    });
    ws.addEventListener("message", (event) => {
      if (ws !== this.ws) return;
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      this.dispatch(msg);
    });
    ws.addEventListener("close", (event) => {
      if (ws !== this.ws) return;
      const wasLive = this.state === "live";
      this.dropSocket();
      if (wasLive && event.wasClean) this.attempt = 0; // a clean close after living: retry soon
      if (this.channels.size === 0) {
        this.idle();
      } else if (this.state !== "offline") {
        this.scheduleReconnect();
      }
    });
  }

  dropSocket() {
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    for (const ch of this.channels.values()) ch.subscribed = false;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close(1000);
      } catch {
        // already closing
      }
    }
  }

  scheduleReconnect() {
    clearTimeout(this.timer);
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2)); // jitter
    this.attempt += 1;
    this.setState("reconnecting", Date.now() + delay);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  goOffline() {
    clearTimeout(this.timer);
    this.timer = null;
    this.dropSocket();
    this.setState("offline");
  }

  idle() {
    clearTimeout(this.timer);
    this.timer = null;
    this.dropSocket();
    this.attempt = 0;
    this.setState("idle");
  }

  send(msg) {
    if (this.isOpen()) this.ws.send(JSON.stringify(msg));
  }

  sendSubscribe(ch) {
    const msg = { type: "subscribe", channel: ch.name };
    if (ch.seq !== null) msg.since = ch.seq;
    ch.subscribed = true;
    this.send(msg);
  }

  resync(ch) {
    // A gap: ask again for everything after the last seq we applied.
    // (Subscribing again replaces the subscription on the server.)
    if (ch.resyncing) return;
    ch.resyncing = true;
    this.sendSubscribe(ch);
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      if (!this.isOpen()) return;
      this.send({ type: "ping" });
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        // No answer: the connection is dead even if the socket hasn't noticed.
        if (this.ws) this.ws.close(4000);
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  stopHeartbeat() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = null;
    this.pongTimer = null;
  }

  each(ch, method, ...args) {
    for (const handlers of [...ch.handlers]) {
      if (typeof handlers[method] === "function") {
        try {
          handlers[method](...args);
        } catch (err) {
          console.warn("live handler failed", err);
        }
      }
    }
  }

  dispatch(msg) {
    if (msg.type === "pong") {
      clearTimeout(this.pongTimer);
      return;
    }
    const ch = msg.channel ? this.channels.get(msg.channel) : null;
    if (msg.type === "error" && !ch) {
      return;
    }
    if (!ch) return;
    switch (msg.type) {
      case "subscribed": {
        const first = ch.seq === null;
        ch.resyncing = false;
        ch.head = msg.seq;
        if (first) ch.seq = msg.seq;
        this.each(ch, "subscribed", msg, first);
        if (ch.waiters) for (const done of [...ch.waiters]) done(true);
        break;
      }
      case "event": {
        if (ch.resyncing) return; // the replay after `subscribed` brings it again
        if (ch.seq !== null && msg.seq <= ch.seq) return; // already applied
        if (ch.seq !== null && msg.seq > ch.seq + 1) {
          this.resync(ch);
          return;
        }
        ch.seq = msg.seq;
        this.each(ch, "event", msg);
        break;
      }
      case "reset":
        // Too far behind to replay: the server follows on from the head it
        // announced in `subscribed`, and the page reloads over HTTP.
        ch.resyncing = false;
        if (ch.head !== null && ch.head !== undefined) {
          ch.seq = ch.head;
        } else {
          ch.seq = null;
          if (this.isOpen()) this.sendSubscribe(ch);
        }
        this.each(ch, "reset", msg);
        break;
      case "presence":
        this.each(ch, "presence", msg);
        break;
      case "error":
        ch.resyncing = false;
        if (msg.code === "unavailable") {
          // The server could not set the subscription up (an outage): it is not
          // following this channel, so ask again after a jittered pause.
          setTimeout(() => {
            if (this.isOpen()) this.sendSubscribe(ch);
          }, 1000 + Math.random() * 2000);
        }
        this.each(ch, "error", msg);
        break;
      default:
        break;
    }
  }
}

export const live = new Live();

/**
 * The hand-over every live page makes between the socket and HTTP, so that
 * nothing written between the two is lost or doubled: subscribe first (now,
 * while the page still reads what it needs to lay itself out); `start` then
 * waits until the server has announced the channel's head seq (or `wait` ms
 * without a socket), reads over HTTP (`load`), applies the events that arrived
 * meanwhile in order, and every later one as it comes (`apply`, which must be
 * idempotent: an event may repeat what the load read). A subscription
 * confirmed only after the load began (a slow socket), or a `reset` (too far
 * behind to replay), reads again (`reload`, by default `load`). Presence is
 * passed on once started. Call `stop` when the page goes.
 */
export function follow(channel, { wait = 2500 } = {}) {
  let phase = "waiting"; // waiting | loading | loaded
  let handlers = null;
  let reloadAfter = false;
  const early = [];
  const reload = () => (handlers.reload || handlers.load)().catch(() => {});
  const stop = live.subscribe(channel, {
    event: (msg) => {
      if (phase === "loaded") handlers.apply(msg);
      else early.push(msg);
    },
    subscribed: (_msg, first) => {
      // Subscribed only after the read began: read again what landed in between.
      if (!first || phase === "waiting") return;
      if (phase === "loading") reloadAfter = true;
      else reload();
    },
    reset: () => {
      if (handlers) reload();
    },
    presence: (msg) => {
      if (handlers && handlers.presence) handlers.presence(msg);
    },
  });
  const subscribed = live.whenSubscribed(channel, wait);
  return {
    stop,
    /** handlers: {load, apply, reload?, presence?}. Resolves once loaded. */
    async start(given) {
      handlers = given;
      await subscribed;
      phase = "loading";
      await handlers.load();
      phase = "loaded";
      for (const msg of early.splice(0)) handlers.apply(msg);
      if (reloadAfter) await reload();
    },
  };
}
