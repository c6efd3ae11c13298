/* Draws the KPI dashboard's charts with Chart.js (served by the console, /dashboard/chart.js)
   from the JSON block #kpi-data; the figures are also in the page's tables. */
(function () {
  "use strict";
  var source = document.getElementById("kpi-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1b5e9b", "#d9822b", "#2e8540", "#b22222", "#6a51a3", "#8c6d31", "#17becf",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#843c39"];
  var base = { animation: false, responsive: true, maintainAspectRatio: false };

  function draw(canvas, config) {
    config.options = Object.assign({}, base, config.options || {});
    new window.Chart(canvas, config);
    canvas.setAttribute("data-drawn", String(config.data.datasets.length));
  }

  document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
    var values = data.series[canvas.getAttribute("data-series")] || {};
    var datasets = Object.keys(values).map(function (key, i) {
      return { label: key, data: values[key], backgroundColor: palette[i % palette.length] };
    });
    draw(canvas, { type: "bar", data: { labels: data.periods, datasets: datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
  });

  var steps = data.durations.map(function (d) { return d[0]; });
  function hours(index) {  // seconds to hours, two decimals
    return data.durations.map(function (d) {
      return d[index] === null ? null : Math.round(d[index] / 36) / 100;
    });
  }
  document.querySelectorAll("canvas[data-durations]").forEach(function (canvas) {
    draw(canvas, { type: "bar", data: { labels: steps, datasets: [
      { label: "median (h)", data: hours(1), backgroundColor: palette[0] },
      { label: "p90 (h)", data: hours(2), backgroundColor: palette[1] }] },
      options: { scales: { y: { beginAtZero: true } } } });
  });

  document.querySelectorAll("canvas[data-corrections]").forEach(function (canvas) {
    var rows = data.corrections;
    draw(canvas, { type: "bar", data: { labels: rows.map(function (r) { return r[0]; }),
      datasets: [{ label: "corrected (% of triaged)", backgroundColor: palette[3],
        data: rows.map(function (r) { return r[2] ? Math.round(1000 * r[1] / r[2]) / 10 : 0; }) }] },
      options: { scales: { y: { beginAtZero: true, max: 100 } } } });
  });
}());
