/* The workbench's outbox: every entry and parcel status change is first written to IndexedDB, then
   sent to the server; nothing is lost when the network drops, nothing is counted twice when it is sent
   again (entries carry a client UUID the server stores once; status changes are idempotent).

   Operations (one IndexedDB record each, key `id`):
     {id, type: "entry", station, user, payload: {uuid, kind, occurred_at, amount, …}, state, errors, created}
     {id, type: "transition", station, user, entry: <entry uuid>, payload: {to_status, occurred_at}, …}
     {id, type: "household", station, user, entry: <entry uuid>, payload: {household: <register number>}, …}
   state: "pending" (not yet acknowledged), "delivered" (created, duplicate or changed), "rejected"
   (the server refused it: shown with its errors for correction). Delivered records are kept two days
   (so the page can show them until the server's lists include them), then pruned. */
(function (global) {
  "use strict";

  var DB_NAME = "xiangcun-workbench";
  var STORE = "outbox";
  var BATCH = 500;
  var KEEP_DELIVERED_MS = 2 * 24 * 3600 * 1000;

  function uuid4() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") {
      return global.crypto.randomUUID();
    }
    // Plain-HTTP pages have no randomUUID; getRandomValues is available everywhere.
    var b = new Uint8Array(16);
    global.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* The local time with its UTC offset, e.g. 2018-05-01T09:30:00+08:00 (what the sync API wants). */
  function isoWithOffset(d) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) +
      ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!global.indexedDB) { reject(new Error("indexedDB unavailable")); return; }
        var req = global.indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var store = req.result.createObjectStore(STORE, { keyPath: "id" });
          store.createIndex("station", "station");
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }

  function run(mode, fn) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var t = database.transaction(STORE, mode);
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
        result = fn(t.objectStore(STORE));
        if (result && typeof result === "object" && "onsuccess" in result) {
          var req = result;
          req.onsuccess = function () { result = req.result; };
        }
      });
    });
  }

  function put(op) { return run("readwrite", function (s) { s.put(op); }).then(function () { return op; }); }
  function remove(id) { return run("readwrite", function (s) { s.delete(id); }); }
  function all(station, user) {
    return run("readonly", function (s) { return s.index("station").getAll(station); }).then(function (ops) {
      return (ops || []).filter(function (o) { return o.user === user; })
        .sort(function (a, b) { return a.created - b.created || a.seq - b.seq; });
    });
  }

  var seq = 0;
  function add(type, station, user, fields) {
    var op = { id: fields.id || uuid4(), type: type, station: station, user: user, state: "pending",
      errors: {}, created: Date.now(), seq: seq++ };
    Object.keys(fields).forEach(function (k) { op[k] = fields[k]; });
    return put(op);
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function Stop(reason) { this.reason = reason; }  // ends a flush: "offline", "auth" or "server"

  function post(url, body) {
    return global.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (resp) {
      var json = (resp.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (resp.type === "opaqueredirect" || resp.status === 401 || resp.status === 403 || (resp.ok && !json)) {
        throw new Stop("auth");  // signed out (or no longer allowed): keep everything for later
      }
      if (resp.status >= 500 || resp.status === 429) { throw new Stop("server"); }
      return resp.json().then(function (data) { return { status: resp.status, data: data }; },
        function () { throw new Stop("server"); });
    }, function (err) {
      if (err instanceof Stop) { throw err; }
      throw new Stop("offline");
    });
  }

  /* An outbox for one station and user. `onChange(ops)` is called after every change of the records. */
  function Outbox(config, onChange) {
    this.config = config;
    this.onChange = onChange || function () {};
    this.flushing = null;
  }

  Outbox.prototype.ops = function () { return all(this.config.station, this.config.user); };

  Outbox.prototype.changed = function () {
    var self = this;
    return this.ops().then(function (ops) { self.onChange(ops); return ops; });
  };

  Outbox.prototype.addEntry = function (payload) {
    return add("entry", this.config.station, this.config.user, { id: payload.uuid, payload: payload })
      .then(this.changed.bind(this));
  };

  Outbox.prototype.addTransition = function (entryUuid, toStatus) {
    var payload = { to_status: toStatus, occurred_at: isoWithOffset(new Date()) };
    return add("transition", this.config.station, this.config.user, { entry: entryUuid, payload: payload })
      .then(this.changed.bind(this));
  };

  Outbox.prototype.addHousehold = function (entryUuid, code) {
    return add("household", this.config.station, this.config.user, { entry: entryUuid, payload: { household: code } })
      .then(this.changed.bind(this));
  };

  Outbox.prototype.discard = function (id) { return remove(id).then(this.changed.bind(this)); };

  /* Send everything pending: entries in batches to the sync API, then changes one by one (after
     their entry is stored). Resolves to {delivered, stopped}; only one flush runs at a time. */
  Outbox.prototype.flush = function () {
    var self = this;
    if (this.flushing) { return this.flushing; }
    var delivered = 0;
    this.flushing = this.ops().then(function (ops) {
      var now = Date.now();
      var stale = ops.filter(function (o) { return o.state === "delivered" && now - o.deliveredAt > KEEP_DELIVERED_MS; });
      var pending = ops.filter(function (o) { return o.state === "pending"; });
      var entries = pending.filter(function (o) { return o.type === "entry"; });
      var entryState = {};
      ops.forEach(function (o) { if (o.type === "entry") { entryState[o.id] = o.state; } });
      var chain = Promise.all(stale.map(function (o) { return remove(o.id); }));
      for (var i = 0; i < entries.length; i += BATCH) {
        chain = chain.then(self.sendEntries.bind(self, entries.slice(i, i + BATCH), entryState))
          .then(function (n) { delivered += n; });
      }
      pending.filter(function (o) { return o.type !== "entry"; }).forEach(function (op) {
        chain = chain.then(function () {
          var waiting = entryState[op.entry] === "pending" || entryState[op.entry] === "rejected";
          if (waiting) { return; }  // its entry is not stored yet: keep the change for the next flush
          return self.sendChange(op).then(function (n) { delivered += n; });
        });
      });
      return chain;
    }).then(function () {
      return { delivered: delivered, stopped: null };
    }, function (err) {
      if (err instanceof Stop) { return { delivered: delivered, stopped: err.reason }; }
      throw err;
    }).then(function (result) {
      self.flushing = null;
      return self.changed().then(function () { return result; });
    }, function (err) {
      self.flushing = null;
      throw err;
    });
    return this.flushing;
  };

  Outbox.prototype.sendEntries = function (chunk, entryState) {
    var byId = {};
    chunk.forEach(function (o) { byId[o.id] = o; });
    return post(this.config.syncUrl, { transactions: chunk.map(function (o) { return o.payload; }) })
      .then(function (resp) {
        var now = Date.now();
        if (resp.status !== 200 || !resp.data || !Array.isArray(resp.data.results)) {
          // The whole batch was refused (should not happen with what this page builds): show why.
          var errors = (resp.data && resp.data.errors) || { non_field_errors: [String(resp.data && resp.data.detail)] };
          return Promise.all(chunk.map(function (o) {
            o.state = "rejected"; o.errors = errors; entryState[o.id] = "rejected"; return put(o);
          })).then(function () { return 0; });
        }
        var n = 0;
        return Promise.all(resp.data.results.map(function (r) {
          var op = byId[r.uuid];
          if (!op) { return null; }
          if (r.status === "created" || r.status === "duplicate") {
            op.state = "delivered"; op.outcome = r.status; op.deliveredAt = now; op.errors = {}; n += 1;
          } else {
            op.state = "rejected"; op.errors = r.errors || {};
          }
          entryState[op.id] = op.state;
          return put(op);
        })).then(function () { return n; });
      });
  };

  /* A change of a stored entry (status, household link); the server treats a repeat as a no-op. */
  Outbox.prototype.sendChange = function (op) {
    var template = op.type === "household" ? this.config.householdUrl : this.config.transitionUrl;
    var url = template.replace(this.config.nilUuid, op.entry);
    return post(url, op.payload).then(function (resp) {
      if (resp.status === 200) {
        op.state = "delivered"; op.outcome = resp.data.changed ? "changed" : "unchanged";
        op.deliveredAt = Date.now(); op.errors = {};
      } else {
        op.state = "rejected";
        op.errors = (resp.data && resp.data.errors && Object.keys(resp.data.errors).length)
          ? resp.data.errors : { non_field_errors: [String(resp.data && resp.data.detail)] };
      }
      return put(op).then(function () { return op.state === "delivered" ? 1 : 0; });
    });
  };

  global.XiangcunOutbox = { Outbox: Outbox, uuid4: uuid4, isoWithOffset: isoWithOffset, open: db };
})(window);
