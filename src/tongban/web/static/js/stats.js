// Draws the per-department chart on the statistics page from the data-* attributes.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("chart-departments");
  if (!el || typeof echarts === "undefined") { return; }
  var labels = JSON.parse(el.dataset.labels || "[]");
  if (!labels.length) { el.hidden = true; return; }
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [el.dataset.seriesItems, el.dataset.seriesOnline] },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 150, overflow: "truncate" } },
    series: [
      { name: el.dataset.seriesItems, type: "bar", data: JSON.parse(el.dataset.items) },
      { name: el.dataset.seriesOnline, type: "bar", data: JSON.parse(el.dataset.online) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
