/* The console's charts (Apache ECharts, vendored at static/vendor/echarts/) from the page's
   JSON block #glance-charts: platform totals per day over the last 30 days and the
   associations needing attention by reason. No inline script (Content-Security-Policy). */
(function () {
  "use strict";
  var block = document.getElementById("glance-charts");
  if (!block || !window.echarts) { return; }
  var data = JSON.parse(block.textContent);
  var L = data.labels;
  var palette = ["#2f6fb0", "#c8161d", "#e0a23a", "#3a9b6e", "#7a5bb5"];

  function line(series) {
    return {
      color: palette, animation: false,
      tooltip: {trigger: "axis", confine: true},
      legend: series.length > 1 ? {top: 0} : undefined,
      grid: {left: 8, right: 12, top: series.length > 1 ? 30 : 12, bottom: 8,
             containLabel: true},
      xAxis: {type: "category", data: data.days, axisLabel: {hideOverlap: true}},
      yAxis: {type: "value", minInterval: 1},
      series: series.map(function (s) {
        // a line of one or two days is only its points
        return {type: s.bar ? "bar" : "line", name: s.name, data: s.data,
                showSymbol: s.data.length < 3, barMaxWidth: 24};
      })
    };
  }

  var options = {
    members: line([{name: L.members, data: data.members}]),
    revenue: line([{name: L.revenue, data: data.revenue, bar: true}]),
    problems: line([{name: L.failed, data: data.failed, bar: true},
                    {name: L.errors, data: data.errors, bar: true}]),
    reasons: {
      color: ["#c8161d", "#e0a23a", "#7a5bb5", "#8a8f98"], animation: false,
      tooltip: {trigger: "item", confine: true},
      grid: {left: 8, right: 16, top: 8, bottom: 8, containLabel: true},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", inverse: true,
              data: data.reasons.map(function (r) { return r.name; }),
              axisLabel: {width: 120, overflow: "break"}},
      series: [{type: "bar", name: L.reasons,
                data: data.reasons.map(function (r) { return r.value; })}]
    }
  };
  var drawn = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var option = options[el.getAttribute("data-chart")];
    if (!option) { return; }
    var chart = window.echarts.init(el);
    chart.setOption(option);
    drawn.push(chart);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (c) { c.resize(); });
  });
})();
