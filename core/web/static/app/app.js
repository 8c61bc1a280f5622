// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  var el = event.target.closest("[data-autosubmit]");
  if (el && el.form) { el.form.submit(); }
});
// Choices fetched when first needed: an <input list="x"> whose <datalist data-options-src="url"> is
// filled from the URL's JSON ([[value, label], ...]) the first time the input gets the focus (a list
// page does not carry hundreds of <option>s; without the script the value can still be typed).
document.addEventListener("focusin", function (event) {
  var list = event.target.list;
  if (!list || !list.hasAttribute("data-options-src")) { return; }
  var src = list.getAttribute("data-options-src");
  list.removeAttribute("data-options-src");
  fetch(src, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(function (items) {
      items.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item[0];
        option.textContent = item[1];
        list.appendChild(option);
      });
    });
});

// Charts: every element with data-chart holds a chart description as JSON (built by the
// server, see core.web.chart_data); ECharts draws it. No inline script or style: the CSP forbids them.
(function () {
  function option(spec) {
    var kind = spec.kind || "bar";
    var series = (spec.series || []).map(function (s) {
      var out = {name: s.name, type: s.type || (kind === "stacked" ? "bar" : kind), data: s.data};
      if (kind === "stacked") { out.stack = "total"; }
      if (s.yAxisIndex) { out.yAxisIndex = s.yAxisIndex; }
      return out;
    });
    var yAxis = [{type: "value", min: spec.yMin, max: spec.yMax, name: spec.yName || ""}];
    if (spec.y2Name) { yAxis.push({type: "value", name: spec.y2Name}); }
    return {
      title: spec.title ? {text: spec.title, left: "center", textStyle: {fontSize: 14}} : undefined,
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {bottom: 0, type: "scroll"},
      grid: {left: 48, right: spec.y2Name ? 48 : 16, top: spec.title ? 40 : 16, bottom: 48},
      xAxis: {type: "category", data: spec.categories || []},
      yAxis: yAxis,
      series: series
    };
  }
  function draw() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var chart = echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(option(spec));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  function start() {
    var first = document.querySelector("[data-chart][data-chart-lib]");
    if (!first) { return; }
    if (typeof echarts !== "undefined") { draw(); return; }
    var script = document.createElement("script");  // same origin: allowed by the CSP
    script.src = first.getAttribute("data-chart-lib");
    script.onload = draw;
    document.head.appendChild(script);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
