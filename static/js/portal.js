/* Progressive enhancement only: every page reads fine without this file. */
(function () {
  "use strict";

  var lang = document.documentElement.lang || undefined;

  function formatLocal(date) {
    try {
      return new Intl.DateTimeFormat(lang, {
        year: "numeric", month: "long", day: "numeric",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      }).format(date);
    } catch (e) {
      return date.toString();
    }
  }

  function formatRemaining(ms) {
    var minutes = Math.floor(ms / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var parts = [];
    try {
      var unit = function (value, name) {
        return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(value);
      };
      if (days) parts.push(unit(days, "day"));
      if (days || hours) parts.push(unit(hours, "hour"));
      parts.push(unit(mins, "minute"));
    } catch (e) {
      parts = [days + "d", hours + "h", mins + "m"];
    }
    return parts.join(" ");
  }

  document.querySelectorAll("[data-local-deadline]").forEach(function (el) {
    el.textContent = formatLocal(new Date(el.getAttribute("data-local-deadline")));
  });

  var countdowns = document.querySelectorAll("[data-countdown]");
  function tick() {
    var now = Date.now();
    countdowns.forEach(function (el) {
      var remaining = new Date(el.getAttribute("data-countdown")).getTime() - now;
      el.textContent = remaining > 0 ? formatRemaining(remaining) : el.getAttribute("data-closed-text");
    });
  }
  if (countdowns.length) {
    tick();
    // Once a minute: a screen reader is not flooded, and minutes are the unit shown.
    window.setInterval(tick, 60000);
  }
})();

/* The PDF of a submitted application is rendered by a worker: offer it once ready. */
(function () {
  "use strict";
  var box = document.querySelector("[data-pdf-status]");
  if (!box || !box.querySelector("[data-pdf-pending]")) return;
  var attempts = 0;
  function poll() {
    attempts += 1;
    fetch(box.getAttribute("data-pdf-status"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.ready) {
          box.querySelector("[data-pdf-pending]").classList.add("d-none");
          var retry = box.querySelector("[data-pdf-retry]");
          if (retry) retry.classList.add("d-none");
          box.querySelector("[data-pdf-link]").classList.remove("d-none");
        } else {
          var slow = state.progress === "slow" || state.progress === "failed";
          var pending = box.querySelector("[data-pdf-pending]");
          var slowNote = box.querySelector("[data-pdf-slow]");
          if (slowNote) {
            pending.classList.toggle("d-none", slow);
            slowNote.classList.toggle("d-none", !slow);
          }
          if (attempts < 120) window.setTimeout(poll, attempts < 30 ? 2000 : 10000);
        }
      })
      .catch(function () { if (attempts < 60) window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();

/* Application form: show the population of a single city or the members of a group. */
(function () {
  "use strict";
  var radios = document.querySelectorAll("input[name='is_group']");
  var members = document.querySelector(".members-fieldset");
  var population = document.getElementById("div_id_population");
  if (!radios.length || !members || !population) return;
  function sync() {
    var checked = document.querySelector("input[name='is_group']:checked");
    var group = checked && checked.value === "1";
    members.hidden = !group;
    population.hidden = group;
  }
  radios.forEach(function (radio) { radio.addEventListener("change", sync); });
  sync();
})();

/* Group of municipalities: the total is added up as the official types. */
(function () {
  "use strict";
  var totalBox = document.querySelector("[data-min-population]");
  if (!totalBox) return;
  var total = totalBox.querySelector("[data-members-total]");
  var warning = totalBox.querySelector("[data-members-warning]");
  var minimum = parseInt(totalBox.getAttribute("data-min-population"), 10);
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function inputs() {
    return document.querySelectorAll("input[name^='members-'][name$='-population']");
  }
  function update() {
    var sum = 0;
    inputs().forEach(function (input) {
      var value = parseInt(input.value, 10);
      if (value > 0) sum += value;
    });
    total.textContent = sum ? format.format(sum) : "—";
    warning.textContent = sum && sum < minimum ? "(" + totalBox.getAttribute("data-below-text") + ")" : "";
  }
  inputs().forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
