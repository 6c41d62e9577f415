/* The station manager's workbench: records services into the outbox (outbox.js) and sends them, shows
   what is waiting, changes parcel statuses, keeps the page available offline (service worker).
   Every text comes translated from the page (#wb-config labels). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("wb-config").textContent);
  var L = config.labels;
  var root = document.getElementById("workbench");
  var form = document.getElementById("wb-form");
  var formError = document.getElementById("wb-form-error");
  var pendingCount = document.getElementById("wb-pending-count");
  var net = document.getElementById("wb-net");
  var message = document.getElementById("wb-message");
  var outboxCard = document.getElementById("wb-outbox-card");
  var outboxList = document.getElementById("wb-outbox");
  var AMOUNT = /^\d{1,9}(\.\d{1,2})?$/;
  var PARCEL_DONE = ["picked_up", "returned", "cancelled"];
  // The proxy-purchase state machine, for the buttons of a parcel whose change is still queued.
  var PARCEL_NEXT = {
    placed: ["shipped", "cancelled"], shipped: ["arrived", "returned"], arrived: ["picked_up", "returned"],
    picked_up: ["returned"], returned: [], cancelled: []
  };
  var editing = null;  // the UUID of a rejected entry being corrected (re-sent under the same UUID)
  var lastOps = [];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function say(text) { message.textContent = text || ""; }

  function setOnline(on) {
    net.dataset.online = on ? "1" : "0";
    net.textContent = on ? L.online : L.offline;
  }

  /* --- the form ------------------------------------------------------------------------------------ */
  function kind() { return form.querySelector("input[name=kind]:checked").value; }

  function showKindFields() {
    var k = kind();
    form.querySelectorAll("[data-for-kinds]").forEach(function (f) {
      f.hidden = f.getAttribute("data-for-kinds").split(" ").indexOf(k) < 0;
    });
  }

  function checkAmount(value, k) {
    if (!AMOUNT.test(value)) { return L.amount_invalid; }
    if (parseFloat(value) > parseFloat(config.maxAmount[k])) { return L.amount_too_large; }
    return "";
  }

  function payloadFromForm() {
    var k = kind();
    var p = { uuid: editing || XiangcunOutbox.uuid4(), kind: k, occurred_at: XiangcunOutbox.isoWithOffset(new Date()) };
    var amount = form.amount.value.trim().replace(/,/g, "");
    var fee = form.fee.value.trim().replace(/,/g, "");
    var problem = amount === "" ? L.required : checkAmount(amount, k);
    if (problem) { return { error: problem, field: form.amount }; }
    if (fee !== "") {
      problem = checkAmount(fee, k);
      if (problem) { return { error: problem, field: form.fee }; }
      p.fee = fee;
    }
    p.amount = amount;
    ["villager_name", "villager_phone", "description", "payment_method", "marketplace", "order_no", "biller", "reference"]
      .forEach(function (name) {
        var input = form.elements[name];
        var box = input.closest("[data-for-kinds]");
        if (box && box.hidden) { return; }
        var v = input.value.trim();
        if (v !== "") { p[name] = v; }
      });
    return { payload: p };
  }

  function fillForm(payload) {
    form.querySelector("input[name=kind][value='" + payload.kind + "']").checked = true;
    showKindFields();
    ["villager_name", "villager_phone", "description", "amount", "fee", "payment_method", "marketplace", "order_no", "biller", "reference"]
      .forEach(function (name) { form.elements[name].value = payload[name] || ""; });
  }

  form.addEventListener("change", function (e) { if (e.target.name === "kind") { showKindFields(); } });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var built = payloadFromForm();
    formError.hidden = !built.error;
    formError.textContent = built.error || "";
    if (built.error) { built.field.focus(); return; }
    var k = kind();
    var household = form.elements.household ? form.elements.household.value : "";
    outbox.addEntry(built.payload).then(function () {
      return household ? outbox.addHousehold(built.payload.uuid, household) : null;
    }).then(function () {
      editing = null;
      form.reset();
      form.querySelector("input[name=kind][value='" + k + "']").checked = true;
      showKindFields();
      form.villager_name.focus();
      say(L.queued);
      send();
    }, storageFailed);
  });

  /* --- what is on this device ---------------------------------------------------------------------- */
  function errorsText(errors) {
    return Object.keys(errors || {}).map(function (f) {
      return (f === "non_field_errors" ? "" : (config.fields[f] || f) + ": ") + [].concat(errors[f]).join(" ");
    }).join("; ");
  }

  function describe(op) {
    if (op.type === "entry") {
      var p = op.payload;
      return (config.kinds[p.kind] || p.kind) + " · " + (p.villager_name || "—") + " · " + p.amount + " " + L.yuan +
        (p.description ? " · " + p.description : "");
    }
    if (op.type === "household") { return L.household_link + " → " + op.payload.household; }
    return L.status_change + " → " + (config.statuses[op.payload.to_status] || op.payload.to_status);
  }

  function renderOutbox(ops) {
    outboxList.textContent = "";
    var shown = ops.filter(function (o) { return o.state !== "delivered"; });
    shown.forEach(function (op) {
      var li = el("li", { "class": "wb-op state-" + op.state, "data-id": op.id, "data-state": op.state });
      li.appendChild(el("span", { "class": "wb-op-text" }, describe(op)));
      li.appendChild(el("span", { "class": "badge wb-op-state" }, op.state === "pending" ? L.pending : L.rejected));
      if (op.state === "rejected") {
        li.appendChild(el("p", { "class": "field-error wb-op-errors" }, errorsText(op.errors)));
        var actions = el("span", { "class": "wb-op-actions" });
        if (op.type === "entry") { actions.appendChild(el("button", { type: "button", "data-action": "edit" }, L.edit)); }
        actions.appendChild(el("button", { type: "button", "data-action": "discard" }, L.discard));
        li.appendChild(actions);
      }
      outboxList.appendChild(li);
    });
    outboxCard.hidden = shown.length === 0;
  }

  function renderToday(ops) {
    var body = document.getElementById("wb-today-rows");
    if (!body) { return; }
    body.querySelectorAll("tr.wb-local").forEach(function (tr) { tr.remove(); });
    var today = XiangcunOutbox.isoWithOffset(new Date()).slice(0, 10);
    var added = 0;
    ops.forEach(function (op) {
      if (op.type !== "entry" || op.payload.occurred_at.slice(0, 10) !== today) { return; }
      if (body.querySelector("tr[data-uuid='" + op.id + "']")) { return; }  // already in the server's list
      var p = op.payload;
      var tr = el("tr", { "class": "wb-local state-" + op.state, "data-uuid": op.id, "data-state": op.state });
      tr.appendChild(el("td", {}, p.occurred_at.slice(11, 16)));
      tr.appendChild(el("td", {}, config.kinds[p.kind] || p.kind));
      tr.appendChild(el("td", {}, p.villager_name || "—"));
      tr.appendChild(el("td", {}, p.description || ""));
      tr.appendChild(el("td", { "class": "num" }, p.amount));
      var label = op.state === "pending" ? L.pending : op.state === "rejected" ? L.rejected : L.sent;
      var td = el("td");
      td.appendChild(el("span", { "class": "badge wb-op-state" }, label));
      tr.appendChild(td);
      body.insertBefore(tr, body.firstChild);
      added += 1;
    });
    var none = body.querySelector("tr.wb-none");
    if (none) { none.hidden = added > 0; }
  }

  function parcelButtons(li, status) {
    var actions = li.querySelector(".wb-parcel-actions");
    if (!actions) { return; }
    actions.textContent = "";
    (PARCEL_NEXT[status] || []).forEach(function (to) {
      actions.appendChild(el("button", { type: "button", "class": "status-button tx-" + to, "data-to": to }, config.statuses[to]));
    });
  }

  function renderParcels(ops) {
    ops.forEach(function (op) {
      if (op.type !== "transition" || op.state !== "pending") { return; }
      var li = document.querySelector(".wb-parcel[data-uuid='" + op.entry + "']");
      if (!li || li.dataset.status === op.payload.to_status) { return; }
      li.dataset.status = op.payload.to_status;
      li.classList.toggle("done", PARCEL_DONE.indexOf(op.payload.to_status) >= 0);
      var badge = li.querySelector("[data-role=status]");
      badge.textContent = config.statuses[op.payload.to_status];
      badge.className = "badge tx-status tx-" + op.payload.to_status + " queued";
      parcelButtons(li, op.payload.to_status);
    });
  }

  function render(ops) {
    lastOps = ops;
    var pending = ops.filter(function (o) { return o.state === "pending"; }).length;
    pendingCount.textContent = String(pending);
    pendingCount.dataset.count = String(pending);
    root.dataset.pending = String(pending);
    renderOutbox(ops);
    renderToday(ops);
    renderParcels(ops);
  }

  outboxList.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-action]");
    if (!button) { return; }
    var id = button.closest("li").dataset.id;
    var op = lastOps.filter(function (o) { return o.id === id; })[0];
    if (!op) { return; }
    if (button.dataset.action === "discard") {
      if (window.confirm(L.confirm_discard)) { outbox.discard(id); }
    } else {
      // The rejected record stays until the corrected one replaces it (same UUID): nothing is lost if
      // the page is left half-way.
      fillForm(op.payload);
      editing = op.id;
      form.scrollIntoView();
      form.amount.focus();
    }
  });

  root.addEventListener("click", function (e) {
    var button = e.target.closest(".wb-parcel-actions button[data-to]");
    if (!button) { return; }
    var li = button.closest(".wb-parcel");
    button.disabled = true;
    outbox.addTransition(li.dataset.uuid, button.dataset.to).then(function () {
      say(L.change_queued);
      send();
    }, storageFailed);
  });

  /* --- sending ------------------------------------------------------------------------------------- */
  function storageFailed() { say(L.no_storage); }

  /* Replace the server-rendered parts (totals, parcels, today's list) with fresh ones. */
  function refresh() {
    return fetch(config.pageUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (resp) { return resp.ok && !resp.redirected ? resp.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["wb-month", "wb-parcels", "wb-today"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) { old.innerHTML = fresh.innerHTML; }
        });
        render(lastOps);
      })
      .catch(function () {});
  }

  /* Send what is waiting (read afresh: another tab of this station may have added to the outbox). */
  function send() {
    return outbox.changed().then(function (ops) {
      if (!ops.some(function (o) { return o.state === "pending"; })) { return; }
      say(L.sending);
      return flush();
    }, storageFailed);
  }

  function flush() {
    return outbox.flush().then(function (result) {
      if (result.stopped === "offline" || result.stopped === "server") { setOnline(result.stopped !== "offline"); say(L.failed); }
      else if (result.stopped === "auth") { say(L.signin); }
      else { setOnline(true); say(""); }
      if (result.delivered > 0) { return refresh(); }
    }, function () { say(L.failed); });
  }

  var outbox = new XiangcunOutbox.Outbox(config, render);
  setOnline(navigator.onLine !== false);
  showKindFields();
  outbox.changed().then(function () { root.dataset.ready = "1"; send(); }, function () {
    root.dataset.ready = "1";
    storageFailed();
  });
  window.addEventListener("online", function () { setOnline(true); send(); });
  window.addEventListener("offline", function () { setOnline(false); });
  document.getElementById("wb-send").addEventListener("click", function () { send(); });
  window.setInterval(function () { send(); }, 20000);

  /* Signing out forgets the saved copies of the page (they show villagers' names); entries still
     waiting stay in the outbox, for this user's next sign-in. */
  document.querySelectorAll("form[action$='/logout/']").forEach(function (f) {
    f.addEventListener("submit", function () {
      if (!window.caches) { return; }
      caches.keys().then(function (keys) {
        keys.forEach(function (k) { if (k.indexOf("xiangcun-workbench-") === 0) { caches.delete(k); } });
      });
    });
  });

  /* --- offline reloads: the service worker keeps this page and its files ------------------------- */
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "page-cached" && e.data.url === config.pageUrl) {
        root.dataset.offlineReady = "1";
      }
    });
    navigator.serviceWorker.register(config.swUrl, { scope: config.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (reg.active) { reg.active.postMessage({ type: "cache-page", url: config.pageUrl }); }
    }).catch(function () {});
  }
})();
