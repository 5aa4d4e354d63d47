// Draws the dashboard's charts from the data-* attributes beside their tables (the tables are
// the page without JavaScript); a click on a bar, point, town or gauge opens its drill-down.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") { return; }
  var GOOD = "#0f766e", BAD = "#b91c1c", PLAIN = "#2563eb";

  function data(el, name) { return JSON.parse(el.dataset[name] || "[]"); }
  function shown(values) { return values.map(function (v) { return v === null ? "-" : v; }); }

  function lineOption(el) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data(el, "labels") },
      yAxis: { type: "value", name: el.dataset.unit },
      series: [{ name: el.dataset.name, type: "line", data: shown(data(el, "values")), connectNulls: false, color: PLAIN }]
    };
  }

  function barOption(el) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data(el, "labels"), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", name: el.dataset.unit },
      series: [{ name: el.dataset.name, type: "bar", data: shown(data(el, "values")), color: PLAIN }]
    };
  }

  function mapOption(el) {
    var labels = data(el, "labels"), values = data(el, "values");
    var lng = data(el, "lng"), lat = data(el, "lat");
    var known = values.filter(function (v) { return v !== null; });
    var max = known.length ? Math.max.apply(null, known) : 1;
    var min = known.length ? Math.min.apply(null, known) : 0;
    var points = labels.map(function (label, i) {
      return { name: label, value: [lng[i], lat[i], values[i] === null ? "-" : values[i]] };
    });
    return {
      title: { text: el.dataset.title, left: "right", textStyle: { fontSize: 12, color: "#555" } },
      tooltip: { formatter: function (p) { return p.name + "：" + (p.value[2] === "-" ? "—" : p.value[2]); } },
      grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: false },
      xAxis: { type: "value", scale: true, show: false },
      yAxis: { type: "value", scale: true, show: false },
      visualMap: { dimension: 2, min: min, max: max === min ? min + 1 : max, calculable: false,
                   inRange: { color: ["#dbeafe", "#1e40af"] }, orient: "horizontal", left: 0, bottom: 0,
                   text: [String(max), String(min)], itemHeight: 80 },
      series: [{ type: "scatter", data: points, symbol: "roundRect", symbolSize: 48,
                 label: { show: true, formatter: "{b}", color: "#111", fontSize: 11, position: "bottom" } }]
    };
  }

  function gaugeOption(el) {
    var value = data(el, "values")[0], target = Number(el.dataset.target);
    var unit = el.dataset.unit;
    var max = unit === "%" ? 100 : Math.max(target, value || 0) * 1.5 || 1;
    var split = Math.min(Math.max(target / max, 0), 1);
    var higher = el.dataset.direction === "higher";
    return {
      series: [{
        type: "gauge", min: 0, max: max, radius: "95%",
        axisLine: { lineStyle: { width: 12, color: [[split, higher ? BAD : GOOD], [1, higher ? GOOD : BAD]] } },
        splitLine: { length: 8 }, axisTick: { show: false }, axisLabel: { distance: 16, fontSize: 10 },
        pointer: { show: value !== null },
        title: { offsetCenter: [0, "75%"], fontSize: 12 },
        detail: { offsetCenter: [0, "45%"], fontSize: 14,
                  formatter: function () { return value === null ? el.dataset.noData : value + (unit === "%" ? "%" : " " + unit); } },
        data: [{ value: value === null ? 0 : value, name: el.dataset.name }]
      }]
    };
  }

  var builders = { line: lineOption, bar: barOption, map: mapOption, gauge: gaugeOption };
  var charts = [];
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var build = builders[el.dataset.chart];
    if (!build) { return; }
    el.hidden = false;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var option = build(el);
    option.animation = false;
    chart.setOption(option);
    var links = data(el, "links");
    chart.on("click", function (params) {
      var link = links[params.dataIndex || 0];
      if (link) { window.location.href = link; }
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
