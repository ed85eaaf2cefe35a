/* The console's few behaviours: live countdowns to each ship-by, and the charts (ECharts,
   served from this package). Everything on the page is readable without them. */
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function render(el) {
    var left = Math.floor((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
    var late = left < 0, s = Math.abs(left);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var zh = document.documentElement.lang.indexOf("zh") === 0;
    var text = zh ? (d ? d + "天" : "") + h + "小时" + pad(m) + "分" + pad(sec) + "秒"
                  : (d ? d + " d " : "") + h + " h " + pad(m) + " min " + pad(sec) + " s";
    el.textContent = late ? (zh ? el.dataset.late + " " + text : text + " " + el.dataset.late)
                          : (zh ? el.dataset.left + " " + text : text + " " + el.dataset.left);
    el.classList.toggle("late", late);
    el.classList.toggle("soon", !late && left < 6 * 3600);
  }
  function tick() { document.querySelectorAll("time[data-deadline]").forEach(render); }
  function charts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      if (el.dataset.ready) { return; }
      el.dataset.ready = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(el.dataset.chart));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick(); setInterval(tick, 1000); charts(document);
  });
  document.addEventListener("htmx:afterSettle", function (e) { tick(); charts(e.target); });
})();
