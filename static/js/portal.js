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
  // The group's total box, not the eligibility panel (which also names the minimum):
  // on a section without the group rows there is none, and nothing to do.
  var total = document.querySelector("[data-members-total]");
  if (!total) return;
  var totalBox = total.closest("[data-min-population]");
  if (!totalBox) return;
  var warning = totalBox.querySelector("[data-members-warning]");
  var minimum = parseInt(totalBox.getAttribute("data-min-population"), 10);
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function inputs() {
    return document.querySelectorAll("input[name^='members-'][name$='-population']");
  }
  function removed(input) {
    var box = document.querySelector("input[name='" + input.name.replace(/-population$/, "-DELETE") + "']");
    return box && box.checked;
  }
  function update() {
    var sum = 0;
    inputs().forEach(function (input) {
      var value = parseInt(input.value, 10);
      if (value > 0 && !removed(input)) sum += value;
    });
    total.textContent = sum ? format.format(sum) : "—";
    warning.textContent = sum && sum < minimum ? "(" + totalBox.getAttribute("data-below-text") + ")" : "";
  }
  // Delegated, so rows added later count too; ticking "Remove" takes a row out.
  document.addEventListener("input", function (event) {
    if (/^members-\d+-population$/.test(event.target.name || "")) update();
  });
  document.addEventListener("change", function (event) {
    if (/^members-\d+-DELETE$/.test(event.target.name || "")) update();
  });
  update();
})();

/* Group of municipalities: "Add another municipality" adds a row in place (the button
   posts the form and the server adds the row when JavaScript is off). */
(function () {
  "use strict";
  var button = document.querySelector("[data-add-member]");
  var rows = document.querySelector("[data-member-rows]");
  var template = document.querySelector("[data-member-template]");
  var totalForms = document.querySelector("input[name='members-TOTAL_FORMS']");
  var announce = document.querySelector("[data-member-announce]");
  if (!button || !rows || !template || !totalForms) return;
  var max = parseInt(button.getAttribute("data-max"), 10);
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var index = parseInt(totalForms.value, 10);
    if (index >= max) {
      announce.textContent = announce.getAttribute("data-full-text");
      return;
    }
    var html = template.innerHTML
      .replace(/__prefix__/g, String(index))
      .replace(/__number__/g, String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    totalForms.value = String(index + 1);
    var added = rows.lastElementChild;
    var first = added.querySelector("input");
    if (first) first.focus();
    announce.textContent = announce.getAttribute("data-added-text");
  });
})();

/* After a failed submit, focus goes to the error summary, which links to each field. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();

/* Eligibility while typing: country and population (or the group's total) are checked
   against the call's rules as the official types. The server decides on saving. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-live-eligibility]");
  var form = document.getElementById("application-form");
  if (!panel || !form) return;
  var out = panel.querySelector("[data-live-eligibility-text]");
  var minimum = parseInt(panel.getAttribute("data-min-population"), 10);
  var eu = (panel.getAttribute("data-eu-countries") || "").split(" ");
  var partners = (panel.getAttribute("data-partner-countries") || "").split(" ");
  var country = form.querySelector("select[name='country']");
  var population = form.querySelector("input[name='population']");
  if (!country && !population) return;
  function isGroup() {
    var checked = form.querySelector("input[name='is_group']:checked");
    return checked && checked.value === "1";
  }
  function groupTotal() {
    var sum = 0;
    form.querySelectorAll("input[name^='members-'][name$='-population']").forEach(function (input) {
      var box = form.querySelector("input[name='" + input.name.replace(/-population$/, "-DELETE") + "']");
      var value = parseInt(input.value, 10);
      if (value > 0 && !(box && box.checked)) sum += value;
    });
    return sum;
  }
  function check() {
    var problems = [];
    var code = country ? country.value : "";
    if (code && eu.indexOf(code) === -1 && partners.indexOf(code) === -1) {
      problems.push(panel.getAttribute("data-country-text"));
    }
    var people = isGroup() ? groupTotal() : parseInt(population && population.value, 10);
    if (people > 0 && people < minimum) problems.push(panel.getAttribute("data-population-text"));
    var started = code || people > 0;
    out.textContent = problems.length ? problems.join(" ") : (started ? panel.getAttribute("data-ok-text") : "");
    out.classList.toggle("text-danger-emphasis", problems.length > 0);
    out.classList.toggle("text-success-emphasis", problems.length === 0 && Boolean(started));
  }
  form.addEventListener("input", check);
  form.addEventListener("change", check);
})();
