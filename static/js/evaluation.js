// Body chart and ICD-10-CM suggestions on the evaluation form. Loaded as a file (CSP: no inline script).
// Each section of the form saves by itself and comes back in place (htmx), so the handlers listen on the page
// and read the chart's marks from its hidden input each time, rather than holding on to elements a save replaces.
(function () {
  "use strict";
  const page = document.getElementById("evaluation-form");
  if (!page) return;

  function input() { return page.querySelector('input[name="body_marks"]'); }

  function marks() {
    try { return JSON.parse(input().value || "[]") || []; } catch (e) { return []; }
  }

  function kinds() {
    const found = {};
    page.querySelectorAll("#mark-kind option").forEach((o) => { found[o.value] = o.textContent; });
    return found;
  }

  function regionLabel(code) {
    const el = page.querySelector('[data-region="' + code + '"]');
    return el ? el.dataset.label + (code.startsWith("back-") ? " (back)" : " (front)") : code;
  }

  function render(current) {
    const field = input();
    const list = page.querySelector("[data-mark-list]");
    if (!field || !list) return;
    field.value = JSON.stringify(current);
    const names = kinds();
    page.querySelectorAll("[data-region]").forEach((el) => {
      const mark = current.find((m) => m.region === el.dataset.region);
      // One class per mark kind, and its colour from the legend (each colour with its symbol).
      el.classList.forEach((c) => { if (c.startsWith("kind-")) el.classList.remove(c); });
      el.classList.toggle("marked", Boolean(mark));
      const legend = mark ? page.querySelector('[data-legend="' + mark.kind + '"]') : null;
      if (mark) el.classList.add("kind-" + mark.kind);
      el.setAttribute("fill", legend ? legend.dataset.colour : "transparent");
      el.setAttribute("stroke", legend ? legend.dataset.colour : "none");
      el.setAttribute("aria-pressed", mark ? "true" : "false");
    });
    page.querySelectorAll("[data-symbol-for]").forEach((el) => {
      const mark = current.find((m) => m.region === el.dataset.symbolFor);
      const legend = mark ? page.querySelector('[data-legend="' + mark.kind + '"]') : null;
      el.textContent = mark ? (legend ? legend.dataset.symbol : "•") : "";
    });
    list.replaceChildren(...current.map((m, i) => {
      const li = document.createElement("li");
      li.className = "d-flex align-items-center gap-2 mb-1";
      const text = document.createElement("span");
      text.textContent = regionLabel(m.region) + ": " + (names[m.kind] || m.kind).toLowerCase() + ", intensity " + m.intensity;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-secondary";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + text.textContent);
      remove.dataset.removeMark = String(i);
      li.append(text, remove);
      return li;
    }));
  }

  function toggle(region) {
    const current = marks();
    const kind = page.querySelector("#mark-kind").value;
    const intensity = Math.min(10, Math.max(1, parseInt(page.querySelector("#mark-intensity").value, 10) || 5));
    const existing = current.findIndex((m) => m.region === region && m.kind === kind);
    if (existing >= 0) current.splice(existing, 1);
    else current.push({ region: region, kind: kind, intensity: intensity });
    render(current);
  }

  page.addEventListener("click", (event) => {
    const region = event.target.closest("[data-region]");
    if (region && page.contains(region)) { toggle(region.dataset.region); return; }
    if (event.target.closest("[data-add-mark]")) { toggle(page.querySelector("#mark-region").value); return; }
    const remove = event.target.closest("[data-remove-mark]");
    if (remove) {
      const current = marks();
      current.splice(parseInt(remove.dataset.removeMark, 10), 1);
      render(current);
    }
  });
  page.addEventListener("keydown", (event) => {
    const region = event.target.closest("[data-region]");
    if (region && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); toggle(region.dataset.region); }
  });
  // A saved section comes back with the marks as stored: show them again.
  document.body.addEventListener("htmx:afterSettle", () => render(marks()));
  render(marks());

  // ICD-10-CM suggestions: fill the shared datalist as the practitioner types a code or words.
  const datalist = document.getElementById("icd-suggestions");
  const url = page.dataset.icdUrl;
  let timer = null;
  page.addEventListener("input", (event) => {
    const field = event.target;
    if (!(field instanceof HTMLInputElement) || field.getAttribute("list") !== "icd-suggestions") return;
    clearTimeout(timer);
    const q = field.value.trim();
    if (q.length < 2) return;
    timer = setTimeout(() => {
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { "HX-Request": "true" } })
        .then((r) => r.text())
        .then((html) => { datalist.innerHTML = html; });
    }, 200);
  });
})();
