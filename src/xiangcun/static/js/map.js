/* Xiangcun maps, drawn with the vendored Leaflet.
 *
 * There is no tile layer on purpose: a county intranet has no tile server and no internet, so the
 * county outline (GeoJSON, WGS-84) is drawn on a plain background, with township centers as labelled
 * markers, facilities as squares and every station as a circle coloured by its status.
 *
 *   <div data-map="county" data-src="/map-data/">        the county map (data from core:map_data)
 *   <div data-map="site" data-lat data-lng data-colour   the small map of one facility or station
 *        data-outline="<id of a json_script with the outline>">
 *
 * After drawing, the county map's element gets data-station-markers (the number of station markers)
 * and data-ready="1", which the browser test waits for.
 */
(function () {
  "use strict";

  var FONT = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif';

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function newMap(el, options) {
    return L.map(el, Object.assign({ zoomSnap: 0.25, attributionControl: false }, options || {}));
  }

  // Vector layers need the map to have a view before they are added: build the outline layer, fit
  // the view to it (and to the markers), then add everything.
  function outlineLayer(outline) {
    if (!outline) return null;
    return L.geoJSON(outline, {
      interactive: false,
      style: { color: "#3d5a80", weight: 2, fillColor: "#fffdf5", fillOpacity: 1 },
    });
  }

  function badge(colour, label) {
    return '<span class="badge status" style="--status-colour: ' + esc(colour) + '">' + esc(label) + "</span>";
  }

  function legend(el, data) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      var rows = ["<strong>" + esc(el.dataset.labelStations) + "</strong>"];
      data.statuses.forEach(function (s) {
        rows.push(
          '<div><i class="swatch" style="background:' + esc(s.colour) + '"></i>' + esc(s.label) +
          ' <span class="n">' + s.count + "</span></div>"
        );
      });
      rows.push('<div><i class="swatch square"></i>' + esc(el.dataset.labelFacility) + "</div>");
      rows.push('<div><i class="swatch township"></i>' + esc(el.dataset.labelTownship) + "</div>");
      if (data.not_on_map.stations) {
        rows.push('<div class="off-map">' + data.not_on_map.stations + " " + esc(el.dataset.labelNotOnMap) + "</div>");
      }
      div.innerHTML = rows.join("");
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  }

  function drawCounty(el, data) {
    var map = newMap(el);
    var bounds = L.latLngBounds([]);
    var outline = outlineLayer(data.county.outline);
    if (outline) bounds.extend(outline.getBounds());
    [data.townships, data.facilities, data.stations].forEach(function (rows) {
      rows.forEach(function (row) { bounds.extend([row.lat, row.lng]); });
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 14 });
    } else if (data.county.center) {
      map.setView([data.county.center.lat, data.county.center.lng], 10);
    } else {
      map.setView([35, 105], 4);
    }
    if (outline) outline.addTo(map);

    data.townships.forEach(function (t) {
      L.marker([t.lat, t.lng], {
        icon: L.divIcon({
          className: "township-marker",
          html: '<span class="dot"></span><span class="name">' + esc(t.name) + "</span>",
          iconSize: null,
          iconAnchor: [4, 4],
        }),
        title: t.name,
        keyboard: false,
      })
        .bindPopup('<a href="' + esc(t.url) + '">' + esc(t.name) + "</a>")
        .addTo(map);
    });

    data.facilities.forEach(function (f) {
      L.marker([f.lat, f.lng], {
        icon: L.divIcon({
          className: "facility-marker kind-" + f.kind,
          html: '<span style="background:' + esc(f.colour) + '"></span>',
          iconSize: [16, 16],
          iconAnchor: [8, 8],
        }),
        title: f.name,
        zIndexOffset: 500,
      })
        .bindPopup(
          '<strong><a href="' + esc(f.url) + '">' + esc(f.name) + "</a></strong><br>" +
          esc(f.kind_label) + "<br>" + badge(f.colour, f.status_label)
        )
        .addTo(map);
    });

    data.stations.forEach(function (s) {
      L.circleMarker([s.lat, s.lng], {
        radius: 6,
        weight: 1.5,
        color: "#ffffff",
        fillColor: s.colour,
        fillOpacity: 0.95,
        className: "station-marker status-" + s.status,
      })
        .bindPopup(
          '<strong><a href="' + esc(s.url) + '">' + esc(s.name) + "</a></strong><br>" +
          "<code>" + esc(s.code) + "</code><br>" + esc(s.village) + " · " + esc(s.township) + "<br>" +
          badge(s.colour, s.status_label) + '<br><a href="' + esc(s.url) + '">' + esc(el.dataset.labelOpen) + " ›</a>"
        )
        .addTo(map);
    });

    legend(el, data).addTo(map);
    el.dataset.stationMarkers = String(data.stations.length);
    el.dataset.ready = "1";
  }

  function countyMap(el) {
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { drawCounty(el, data); })
      .catch(function (error) {
        el.classList.add("map-error");
        el.textContent = String(error);
      });
  }

  function siteMap(el) {
    var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
    var map = newMap(el, { scrollWheelZoom: false }).setView([lat, lng], 12);
    var source = el.dataset.outline && document.getElementById(el.dataset.outline);
    var outline = outlineLayer(source ? JSON.parse(source.textContent) : null);
    if (outline) outline.addTo(map);
    L.circleMarker([lat, lng], {
      radius: 8, weight: 2, color: "#ffffff", fillColor: el.dataset.colour || "#3d5a80", fillOpacity: 1,
      className: "site-marker",
    }).addTo(map);
    el.dataset.ready = "1";
  }

  window.XiangcunMap = { font: FONT, county: countyMap, site: siteMap };
  document.querySelectorAll('[data-map="county"]').forEach(countyMap);
  document.querySelectorAll('[data-map="site"]').forEach(siteMap);
})();
