// Draws one town's 15-minute service circle on /service-circle with the vendored ECharts: the
// population grid's cells coloured by the walk to the nearest centre that handles the item,
// the centres on top.  Data from the JSON API (data-source); no map tiles.  Both axes are
// kilometres from the town centre at one scale, so a cell is drawn square.
(function () {
  "use strict";

  var MARGIN = { left: 44, right: 12, top: 12, bottom: 36 };

  function band(minutes, bounds) {
    if (minutes === null || minutes < 0) { return bounds.length; }
    for (var i = 0; i < bounds.length; i++) {
      if (minutes <= bounds[i]) { return i; }
    }
    return bounds.length;
  }

  function extent(values, pad) {
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    return [Math.floor(low - pad), Math.ceil(high + pad)];
  }

  function fill(text, key, value) {
    return text.replace("{" + key + "}", value);
  }

  function draw(el, data) {
    var colours = JSON.parse(el.dataset.colours);
    var half = data.cell_km / 2;
    var xs = data.cells.map(function (c) { return c[0]; });
    var ys = data.cells.map(function (c) { return c[1]; });
    if (!xs.length) { xs = [0]; ys = [0]; }
    var xr = extent(xs, half + 0.5), yr = extent(ys, half + 0.5);

    function size() {
      var width = el.clientWidth - MARGIN.left - MARGIN.right;
      var height = width * (yr[1] - yr[0]) / (xr[1] - xr[0]);
      el.style.height = Math.round(height + MARGIN.top + MARGIN.bottom) + "px";
    }
    size();
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var last = data.bands[data.bands.length - 1];
    var cells = data.cells.map(function (c) {
      return [c[0], c[1], c[2] === null ? -1 : c[2], c[3]];
    });
    function centres(handles) {
      return data.centres.filter(function (c) { return c.handles === handles; }).map(function (c) {
        return { name: c.name, value: [c.x, c.y], symbolSize: c.level === "community" ? 9 : 16 };
      });
    }
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesIndex !== 0) { return p.name; }
          var minutes = p.value[2];
          var walk = minutes < 0 ? fill(el.dataset.labelOver, "m", last)
            : fill(el.dataset.labelMinutes, "m", Math.ceil(minutes));
          return walk + " · " + fill(el.dataset.labelPeople, "n", p.value[3]);
        }
      },
      grid: { left: MARGIN.left, right: MARGIN.right, top: MARGIN.top, bottom: MARGIN.bottom },
      xAxis: { type: "value", min: xr[0], max: xr[1], interval: 1, name: el.dataset.labelKm,
               axisLine: { onZero: false },
               nameLocation: "end", splitLine: { show: false } },
      yAxis: { type: "value", min: yr[0], max: yr[1], interval: 1, splitLine: { show: false },
               axisLine: { onZero: false } },
      series: [
        {
          type: "custom",
          progressive: 0,
          data: cells,
          encode: { x: 0, y: 1 },
          renderItem: function (params, api) {
            var x = api.value(0), y = api.value(1);
            var a = api.coord([x - half, y + half]), b = api.coord([x + half, y - half]);
            var colour = colours[band(api.value(2), data.bands)];
            return {
              type: "rect",
              shape: { x: a[0], y: a[1], width: b[0] - a[0] + 0.5, height: b[1] - a[1] + 0.5 },
              style: { fill: colour, opacity: api.value(3) > 0 ? 1 : 0.3 }
            };
          }
        },
        {
          type: "scatter", name: el.dataset.labelHandling, data: centres(true), z: 3,
          symbol: "triangle", itemStyle: { color: "#08306b", borderColor: "#fff", borderWidth: 1 }
        },
        {
          type: "scatter", name: el.dataset.labelOther, data: centres(false), z: 2,
          symbol: "circle", symbolSize: 7,
          itemStyle: { color: "#fff", borderColor: "#555", borderWidth: 1.5 }
        }
      ]
    });
    el.dataset.drawn = "true";
    window.addEventListener("resize", function () { size(); chart.resize(); });
  }

  function setUp() {
    var el = document.getElementById("circle-map");
    var status = document.getElementById("circle-map-status");
    if (!el || typeof echarts === "undefined" || !window.fetch) { return; }
    fetch(el.dataset.source, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { draw(el, data); })
      .catch(function () { if (status) { status.textContent = el.dataset.labelFailed; } });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
