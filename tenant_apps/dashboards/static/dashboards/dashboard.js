/* Draws the dashboard's charts with the vendored Apache ECharts
   (static/vendor/echarts/echarts.common.min.js) from the page's JSON block
   #dashboard-charts; a click on a bar, point or slice opens the list behind it. No inline
   script: the Content-Security-Policy allows only files of this site. */
(function () {
  "use strict";
  var block = document.getElementById("dashboard-charts");
  if (!block || !window.echarts) { return; }
  var charts = JSON.parse(block.textContent);
  var palette = ["#c8161d", "#2f6fb0", "#e0a23a", "#3a9b6e", "#7a5bb5", "#8a8f98", "#d96a2b"];
  var drawn = [];

  function money(value) {
    return "¥" + Number(value).toLocaleString("zh-CN", {minimumFractionDigits: 2,
                                                      maximumFractionDigits: 2});
  }

  function option(spec) {
    var narrow = window.innerWidth < 640;
    var isMoney = spec.series.some(function (s) { return s.money; });
    var base = {
      color: palette, animation: false,
      tooltip: {trigger: spec.kind === "pie" ? "item" : "axis",
                confine: true,
                valueFormatter: isMoney ? money : undefined},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true}
    };
    if (spec.kind === "pie") {
      var s = spec.series[spec.series.length - 1];
      base.legend = {type: "scroll", bottom: 0};
      base.series = [{
        type: "pie", name: s.name, radius: ["30%", narrow ? "70%" : "62%"],
        top: 10, bottom: 30,
        // on a phone the legend names the slices; labels outside would be cut off
        label: {show: !narrow, formatter: "{b}"}, labelLine: {show: !narrow},
        data: spec.categories.map(function (c, i) {
          return {name: c, value: s.data[i], link: s.links[i]};
        })
      }];
      return base;
    }
    var horizontal = spec.kind === "hbar";
    if (horizontal) { base.grid.left = 8; }
    var category = {type: "category", data: spec.categories, inverse: horizontal,
                    axisLabel: {hideOverlap: true, rotate: narrow && !horizontal ? 45 : 0}};
    var value = {type: "value", minInterval: isMoney ? undefined : 1,
                 axisLabel: isMoney ? {formatter: function (v) {
                   return v >= 10000 ? (v / 10000) + "万" : v; }} : {}};
    base.legend = {type: "scroll", top: 0};
    base.xAxis = horizontal ? value : category;
    base.yAxis = horizontal ? category : value;
    base.series = spec.series.map(function (s) {
      return {type: "bar", name: s.name, stack: spec.kind === "stack" ? "all" : undefined,
              data: s.data.map(function (v, i) { return {value: v, link: s.links[i]}; })};
    });
    return base;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var spec = charts[el.getAttribute("data-chart")];
    if (!spec || !spec.series.length) { el.hidden = true; return; }
    var chart = window.echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var link = params.data && params.data.link;
      if (link) { window.location.assign(link); }
    });
    drawn.push(chart);
  });
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 150);
  });
}());
