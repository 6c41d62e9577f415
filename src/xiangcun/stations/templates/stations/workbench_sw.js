/* Service worker of the station workbench (scope /stations/): keeps the workbench page and its static
   files so that the page reloads without a network. Entries are never cached here: they live in the
   page's IndexedDB outbox until the server acknowledges them.
   - static files: cache first (the cache's name changes with their contents);
   - a workbench page (/stations/<code>/): network first, the last good copy when offline;
   - everything else (API calls, other pages, POSTs): straight to the network. */
"use strict";
var VERSION = {{ version|safe }};
var CACHE = "xiangcun-workbench-" + VERSION;
var ASSETS = {{ assets|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
var PAGE = new RegExp({{ page_pattern|safe }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("xiangcun-workbench-") === 0 && k !== CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(url) { return url.origin === self.location.origin && PAGE.test(url.pathname); }

function pageKey(url) { return url.origin + url.pathname; }

/* Keep a copy of a workbench page (only a real 200 page, not a redirect to the login form). */
function keep(url, response) {
  if (!response || response.status !== 200 || response.redirected || response.type !== "basic") {
    return Promise.resolve(false);
  }
  // The copy says when it was saved (X-Workbench-Saved-At), so an offline answer is recognisable.
  return response.clone().blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("X-Workbench-Saved-At", new Date().toISOString());
    var copy = new Response(body, { status: 200, statusText: response.statusText, headers: headers });
    return caches.open(CACHE).then(function (cache) { return cache.put(pageKey(url), copy); });
  }).then(function () { return true; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin === self.location.origin && url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (isPage(url) && (request.mode === "navigate" || (request.headers.get("Accept") || "").indexOf("text/html") >= 0)) {
    event.respondWith(fetch(request).then(function (response) {
      keep(url, response);
      return response;
    }, function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(pageKey(url)); }).then(function (hit) {
        return hit || Response.error();
      });
    }));
  }
});

/* The page asks for itself to be kept as soon as the worker controls it (its first load went past the
   worker); it is told when its copy is stored. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache-page") { return; }
  var url = new URL(data.url, self.location.origin);
  if (!isPage(url)) { return; }
  event.waitUntil(fetch(url.href, { credentials: "same-origin" }).then(function (response) {
    return keep(url, response);
  }).then(function (kept) {
    if (kept && event.source) { event.source.postMessage({ type: "page-cached", url: data.url }); }
  }).catch(function () {}));
});
