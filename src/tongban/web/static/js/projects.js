// Draws the proxy-service dashboard's bar charts from the data-* attributes of each chart box.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") { return; }
  var charts = [];
  document.querySelectorAll(".chart-small").forEach(function (el) {
    var labels = JSON.parse(el.dataset.labels || "[]");
    if (!labels.length) { el.hidden = true; return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ name: el.dataset.series, type: "bar", data: JSON.parse(el.dataset.values || "[]") }]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
