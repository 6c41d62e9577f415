/* The map of a route plan (vendored Leaflet, no tile layer): the township center as a square, each
 * vehicle's route as a line in its own colour (center → stops in order → center), each stop a numbered
 * dot in the vehicle's colour (urgent stops, visited only for the 7-day limit, have a dark ring).
 *
 *   <div data-map="routes"> with the data in <script id="route-map-data" type="application/json">
 *
 * After drawing, the element gets data-route-lines, data-stop-markers and data-ready="1".
 */
(function () {
  "use strict";

  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939"];

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function draw(el, data) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    var label = el.dataset;
    var bounds = L.latLngBounds([]);
    var c = data.center;
    if (c.lat != null) bounds.extend([c.lat, c.lng]);
    data.routes.forEach(function (r) { r.path.forEach(function (p) { bounds.extend(p); }); });
    if (data.outline) {
      L.geoJSON(data.outline, {
        interactive: false, style: { color: "#3d5a80", weight: 2, fillColor: "#fffdf5", fillOpacity: 1 },
      }).addTo(map);
    }
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 15 });
    else map.setView([35, 105], 4);
    var lines = 0, markers = 0;
    data.routes.forEach(function (r, i) {
      var colour = PALETTE[i % PALETTE.length];
      if (r.path.length > 1) {
        L.polyline(r.path, { color: colour, weight: 3, opacity: 0.85, className: "route-line" })
          .bindTooltip(esc(label.labelVehicle) + " " + r.vehicle + " · " + r.km.toFixed(1) + " km").addTo(map);
        lines += 1;
      }
      r.stops.forEach(function (s) {
        L.marker([s.lat, s.lng], {
          icon: L.divIcon({
            className: "route-stop" + (s.urgent ? " urgent" : ""),
            html: '<span style="background:' + colour + '">' + s.number + "</span>",
            iconSize: null, iconAnchor: [10, 10],
          }),
          title: s.name,
        }).bindPopup(
          "<strong>" + esc(s.name) + "</strong> <code>" + esc(s.code) + "</code><br>" +
          esc(label.labelVehicle) + " " + r.vehicle + " · #" + s.number + "<br>" +
          esc(label.labelArrival) + " " + esc(s.arrival) + " · " + s.parcels + " " + esc(label.labelParcels) +
          (s.urgent ? "<br>" + esc(label.labelUrgent) : "")
        ).addTo(map);
        markers += 1;
      });
    });
    if (c.lat != null) {
      L.marker([c.lat, c.lng], {
        icon: L.divIcon({ className: "plan-center-marker", html: '<span style="background:#1f2933"></span><b>' + esc(c.name) + "</b>", iconSize: null, iconAnchor: [9, 9] }),
        zIndexOffset: 1000, title: c.name,
      }).addTo(map);
    }
    el.dataset.routeLines = String(lines);
    el.dataset.stopMarkers = String(markers);
    el.dataset.ready = "1";
  }

  document.querySelectorAll('[data-map="routes"]').forEach(function (el) {
    var source = document.getElementById("route-map-data");
    if (!source || !window.L) return;
    draw(el, JSON.parse(source.textContent));
  });
})();
