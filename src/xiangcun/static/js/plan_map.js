/* The map of a network plan (vendored Leaflet, no tile layer: see map.js).
 *
 * Layout plans: every village is a dot coloured by the township center the plan assigns it to; the
 * planned centers are large squares in the same colours, the township seats where a center was
 * actually built are rings (a seat both planned and built has both). Siting plans: villages coloured
 * by new station, existing station, near a station, far from every station; villages that must be
 * covered have a dark outline.
 *
 *   <div data-map="plan"> with the data in <script id="plan-map-data" type="application/json">
 *
 * After drawing, the element gets data-village-markers and data-ready="1" (for the browser test).
 */
(function () {
  "use strict";

  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939"];
  var STATES = { "new": "#2ca02c", existing: "#1f77b4", near: "#c7d4e4", far: "#d62728" };

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function km(m) { return m == null ? "—" : (m / 1000).toFixed(1) + " km"; }

  function legend(rows) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      div.innerHTML = rows.join("");
      return div;
    };
    return control;
  }

  function draw(el, data) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    var bounds = L.latLngBounds([]);
    var outline = data.outline ? L.geoJSON(data.outline, {
      interactive: false, style: { color: "#3d5a80", weight: 2, fillColor: "#fffdf5", fillOpacity: 1 },
    }) : null;
    if (outline) bounds.extend(outline.getBounds());
    data.villages.concat(data.sites).forEach(function (p) { bounds.extend([p.lat, p.lng]); });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 14 });
    else map.setView([35, 105], 4);
    if (outline) outline.addTo(map);
    var label = el.dataset;

    data.villages.forEach(function (v) {
      var colour = data.kind === "layout" ? PALETTE[v.group % PALETTE.length] : STATES[v.state];
      L.circleMarker([v.lat, v.lng], {
        radius: Math.max(3, Math.min(7, Math.sqrt(v.weight || 0) / 8)),
        weight: data.kind === "siting" && v.required ? 1.5 : 0.5,
        color: data.kind === "siting" && v.required ? "#1f2933" : "#ffffff",
        fillColor: colour, fillOpacity: 0.9,
        className: "village-marker",
      }).bindPopup(
        "<strong>" + esc(v.name) + "</strong> <code>" + esc(v.code) + "</code><br>" +
        esc(v.weight) + " " + esc(label.labelResidents) + "<br>→ " + esc(v.site_name || v.site || "—") + " · " + km(v.distance_m)
      ).addTo(map);
    });

    data.sites.forEach(function (s) {
      if (s.built) {
        L.circleMarker([s.lat, s.lng], {
          radius: 13, weight: 3, color: "#1f2933", fill: false, className: "built-marker",
        }).bindPopup("<strong>" + esc(s.name) + "</strong><br>" + esc(label.labelBuilt)).addTo(map);
      }
      if (s.chosen) {
        L.marker([s.lat, s.lng], {
          icon: L.divIcon({
            className: "plan-center-marker",
            html: '<span style="background:' + PALETTE[s.group % PALETTE.length] + '"></span><b>' + esc(s.name) + "</b>",
            iconSize: null, iconAnchor: [9, 9],
          }),
          title: s.name, zIndexOffset: 1000,
        }).bindPopup("<strong>" + esc(s.name) + "</strong><br>" + esc(label.labelChosen)).addTo(map);
      } else {
        L.circleMarker([s.lat, s.lng], { radius: 3, weight: 1, color: "#1f2933", fillColor: "#ffffff", fillOpacity: 1 })
          .bindTooltip(s.name).addTo(map);
      }
    });

    var rows;
    if (data.kind === "layout") {
      rows = [
        '<div><i class="swatch square" style="background:#555"></i>' + esc(label.labelChosen) + "</div>",
        '<div><i class="swatch ring"></i>' + esc(label.labelBuilt) + "</div>",
        '<div><i class="swatch seat"></i>' + esc(label.labelSeat) + "</div>",
      ];
    } else {
      rows = ["new", "existing", "near", "far"].map(function (k) {
        var name = { "new": label.labelNew, existing: label.labelExisting, near: label.labelNear, far: label.labelFar }[k];
        return '<div><i class="swatch" style="background:' + STATES[k] + '"></i>' + esc(name) + "</div>";
      });
    }
    legend(rows).addTo(map);
    el.dataset.villageMarkers = String(data.villages.length);
    el.dataset.ready = "1";
  }

  document.querySelectorAll('[data-map="plan"]').forEach(function (el) {
    var source = document.getElementById("plan-map-data");
    if (!source || !window.L) return;
    draw(el, JSON.parse(source.textContent));
  });
})();
