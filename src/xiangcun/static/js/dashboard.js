/* The dashboard's doughnut of stations by status (vendored ECharts). The same numbers are in the
 * table beside it, which also works without JavaScript; a click on a slice opens those stations. */
(function () {
  "use strict";
  var el = document.getElementById("status-chart");
  var source = document.getElementById("status-data");
  if (!el || !source || !window.echarts) return;
  var statuses = JSON.parse(source.textContent).filter(function (s) { return s.count > 0; });
  if (!statuses.length) { el.hidden = true; return; }
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    textStyle: { fontFamily: '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif' },
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{
      type: "pie",
      radius: ["42%", "75%"],
      // Numbers on the slices; the names are in the table beside the chart, in the same colours.
      label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold", fontSize: 14 },
      data: statuses.map(function (s) {
        return { name: s.label, value: s.count, url: s.url, itemStyle: { color: s.colour } };
      }),
    }],
  });
  chart.on("click", function (params) { if (params.data && params.data.url) window.location.href = params.data.url; });
  window.addEventListener("resize", function () { chart.resize(); });
})();
