"use strict";
(function () {
  // Printing shows every evidence list (registered first, so nothing below
  // can stop it).
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  var form = document.querySelector("form.filters");
  if (form) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("section.kind tbody tr"));
    var sections = Array.prototype.slice.call(document.querySelectorAll("section.kind"));
    var shown = document.getElementById("shown");
    var note = document.getElementById("filtered");
    var texts = null;
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=severity]"));
    var kind = form.querySelector("select[name=kind]");
    var search = form.querySelector("input[name=q]");
    var apply = function () {
      if (texts === null) {
        texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
      }
      var sev = {};
      boxes.forEach(function (b) { sev[b.value] = b.checked; });
      var k = kind.value;
      var q = search.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (r, i) {
        var show = sev[r.getAttribute("data-severity")] === true &&
          (k === "" || r.getAttribute("data-kind") === k) &&
          (q === "" || texts[i].indexOf(q) !== -1);
        r.hidden = !show;
        if (show) { n += 1; }
      });
      sections.forEach(function (s) {
        s.hidden = s.querySelector("tbody tr:not([hidden])") === null;
      });
      shown.textContent = n + " of " + rows.length + " shown";
      shown.setAttribute("data-count", String(n));
      // Outside the form, so a printout of a filtered view says so.
      if (n === rows.length) {
        note.hidden = true;
      } else {
        var what = [];
        var on = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
        if (on.length !== boxes.length) { what.push("severity " + (on.length ? on.join(", ") : "none")); }
        if (k !== "") { what.push("kind " + k); }
        if (q !== "") { what.push("search \u201c" + search.value.trim() + "\u201d"); }
        note.textContent = "Filtered (" + what.join("; ") + "): " + n + " of " + rows.length + " findings shown.";
        note.hidden = false;
      }
    };
    var toFragment = function () {
      var parts = [];
      var sev = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
      if (sev.length !== boxes.length) { parts.push("severity=" + sev.join(",")); }
      if (kind.value !== "") { parts.push("kind=" + encodeURIComponent(kind.value)); }
      if (search.value !== "") { parts.push("q=" + encodeURIComponent(search.value)); }
      var base = location.pathname + location.search;
      try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : base); } catch (e) { /* a file: page may refuse */ }
    };
    var decode = function (raw) {
      try { return decodeURIComponent(raw); } catch (e) { return raw; }
    };
    var fromFragment = function () {
      var h = location.hash.replace(/^#/, "");
      boxes.forEach(function (b) { b.checked = true; });
      kind.value = "";
      search.value = "";
      if (h === "") { return; }
      h.split("&").forEach(function (p) {
        var i = p.indexOf("=");
        if (i < 0) { return; }
        var key = p.slice(0, i);
        var value = decode(p.slice(i + 1));
        if (key === "severity") {
          var want = value.split(",");
          boxes.forEach(function (b) { b.checked = want.indexOf(b.value) !== -1; });
        } else if (key === "kind") {
          var known = Array.prototype.some.call(kind.options, function (o) { return o.value === value; });
          kind.value = known ? value : "";
        } else if (key === "q") {
          search.value = value;
        }
      });
    };
    form.addEventListener("input", function () { apply(); toFragment(); });
    form.addEventListener("change", function () { apply(); toFragment(); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    window.addEventListener("hashchange", function () { fromFragment(); apply(); });
    fromFragment();
    form.hidden = false;
    apply();
  }
  document.documentElement.setAttribute("data-ready", "1");
})();
