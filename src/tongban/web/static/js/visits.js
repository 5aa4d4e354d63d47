// The manager's visits page: numbers taken per hour (bars) and the mean waiting minutes (line),
// drawn with the vendored ECharts from the figures the page carries.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("visits-chart");
    if (!box || !window.echarts) return;
    const data = JSON.parse(box.dataset.chart || "{}");
    const chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: data.hours || [] },
      yAxis: [{ type: "value", name: "取号" }, { type: "value", name: "分钟" }],
      series: [
        { name: "取号", type: "bar", data: data.taken || [] },
        { name: "平均等候（分钟）", type: "line", yAxisIndex: 1, data: data.waiting || [] },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
