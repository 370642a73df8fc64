// Live elapsed timers on the chair board and the encounter page. The server
// says how many seconds a run had at render time (pauses already left out);
// the browser adds the time since it received that, so no clock has to agree
// with the server's. No inline scripts anywhere (Content-Security-Policy).
"use strict";

(function () {
  const received = new WeakMap();

  function format(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
    const s = String(seconds % 60).padStart(2, "0");
    return h + ":" + m + ":" + s;
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll(".elapsed[data-running-seconds]").forEach(function (el) {
      if (!received.has(el)) received.set(el, now);
      let seconds = parseInt(el.dataset.runningSeconds, 10) || 0;
      if (el.dataset.ticking === "1") {
        seconds += Math.floor((now - received.get(el)) / 1000);
      }
      el.textContent = format(seconds);
      const expected = parseInt(el.dataset.expectedSeconds || "0", 10);
      const card = el.closest(".administration, .chair, .run-line") || el;
      // The loud marker: still running past the ordered run time, no stop.
      if (expected && el.dataset.ticking === "1" && seconds > expected) {
        card.classList.add("overdue");
        el.classList.add("overdue-timer");
        el.setAttribute("title", "Past its expected end and not stopped");
      }
    });
  }

  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
})();
