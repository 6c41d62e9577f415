/* The trend charts of the report page (vendored ECharts). The figures come from the page
 * (json_script "trend-data"); the table below the charts holds the same numbers and works without
 * JavaScript. Five charts: proxy-purchase orders (this year, last year, the per-station target times the
 * stations operating), proxy-purchase amounts, all kinds stacked, all services this year against last
 * year, and the online rate against the 95 % target. */
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  if (!source || !window.echarts) return;
  var d = JSON.parse(source.textContent);
  var L = d.labels;
  var thisYear = String(d.year), lastYear = String(d.previous_year);
  var font = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif';
  var charts = [];

  function money(v) {
    return v == null ? "—" : Number(v).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    option.textStyle = { fontFamily: font };
    option.grid = option.grid || { left: 60, right: 20, top: 40, bottom: 30 };
    option.xAxis = option.xAxis || { type: "category", data: d.months };
    option.legend = option.legend || { top: 0 };
    option.tooltip = option.tooltip || { trigger: "axis" };
    chart.setOption(option);
    charts.push(chart);
  }

  // The orders a county would need: 50 per operating station.
  var needed = d.stations.map(function (n) { return n * d.target_orders; });

  draw("chart-orders", {
    yAxis: { type: "value" },
    series: [
      { name: thisYear, type: "bar", data: d.purchase_orders, itemStyle: { color: "#2e86c1" } },
      { name: lastYear, type: "bar", data: d.purchase_orders_previous, itemStyle: { color: "#aed6f1" } },
      { name: L.target + " (" + d.target_orders + " × " + L.per_station + ")", type: "line", step: "middle",
        data: needed, symbol: "none", lineStyle: { type: "dashed", color: "#c0392b" }, itemStyle: { color: "#c0392b" } },
    ],
  });

  draw("chart-amount", {
    yAxis: { type: "value" },
    tooltip: { trigger: "axis", valueFormatter: money },
    series: [
      { name: thisYear, type: "bar", data: d.purchase_amount, itemStyle: { color: "#28b463" } },
      { name: lastYear, type: "bar", data: d.purchase_amount_previous, itemStyle: { color: "#abebc6" } },
    ],
  });

  var palette = ["#2e86c1", "#28b463", "#f39c12", "#8e44ad", "#16a085", "#7f8c8d"];
  draw("chart-kinds", {
    yAxis: { type: "value" },
    tooltip: { trigger: "axis", valueFormatter: money },
    legend: { top: 0, type: "scroll" },
    grid: { left: 60, right: 20, top: 50, bottom: 30 },
    series: d.kinds.map(function (k, i) {
      return { name: k.label, type: "bar", stack: "kinds", data: k.amounts, itemStyle: { color: palette[i % palette.length] } };
    }),
  });

  draw("chart-total", {
    yAxis: { type: "value" },
    tooltip: { trigger: "axis", valueFormatter: money },
    series: [
      { name: thisYear, type: "line", data: d.total_amount, smooth: false, itemStyle: { color: "#2e86c1" }, areaStyle: { opacity: 0.08 } },
      { name: lastYear, type: "line", data: d.total_amount_previous, itemStyle: { color: "#999" }, lineStyle: { type: "dashed" } },
    ],
  });

  draw("chart-online", {
    yAxis: { type: "value", max: 100, interval: 5,
             min: function (v) { return Math.max(0, Math.floor(Math.min(v.min, d.target_online) / 5) * 5 - 5); } },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(1) + "%"; } },
    series: [
      { name: thisYear, type: "line", data: d.online_rate, connectNulls: false, itemStyle: { color: "#2e86c1" },
        markLine: { symbol: "none", silent: true,
                    label: { position: "insideEndTop", formatter: L.target + " " + d.target_online + "%" },
                    lineStyle: { color: "#c0392b", type: "dashed" }, data: [{ yAxis: d.target_online }] } },
      { name: lastYear, type: "line", data: d.online_rate_previous, itemStyle: { color: "#999" }, lineStyle: { type: "dashed" } },
    ],
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
