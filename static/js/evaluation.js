// Body chart and ICD-10-CM suggestions on the evaluation form. Loaded as a file (CSP: no inline script).
(function () {
  "use strict";
  const form = document.getElementById("evaluation-form");
  if (!form) return;
  const input = form.querySelector('input[name="body_marks"]');
  const list = form.querySelector("[data-mark-list]");
  const kinds = {};
  form.querySelectorAll("#mark-kind option").forEach((o) => { kinds[o.value] = o.textContent; });
  let marks = [];
  try { marks = JSON.parse(input.value || "[]") || []; } catch (e) { marks = []; }

  function regionLabel(code) {
    const el = form.querySelector('[data-region="' + code + '"]');
    return el ? el.dataset.label + (code.startsWith("back-") ? " (back)" : " (front)") : code;
  }

  function render() {
    input.value = JSON.stringify(marks);
    form.querySelectorAll("[data-region]").forEach((el) => {
      const marked = marks.some((m) => m.region === el.dataset.region);
      el.classList.toggle("marked", marked);
      el.setAttribute("aria-pressed", marked ? "true" : "false");
    });
    list.replaceChildren(...marks.map((m, i) => {
      const li = document.createElement("li");
      li.className = "d-flex align-items-center gap-2 mb-1";
      const text = document.createElement("span");
      text.textContent = regionLabel(m.region) + ": " + (kinds[m.kind] || m.kind).toLowerCase() + ", intensity " + m.intensity;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-secondary";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + text.textContent);
      remove.addEventListener("click", () => { marks.splice(i, 1); render(); });
      li.append(text, remove);
      return li;
    }));
  }

  function toggle(region) {
    const kind = form.querySelector("#mark-kind").value;
    const intensity = Math.min(10, Math.max(1, parseInt(form.querySelector("#mark-intensity").value, 10) || 5));
    const existing = marks.findIndex((m) => m.region === region && m.kind === kind);
    if (existing >= 0) marks.splice(existing, 1);
    else marks.push({ region: region, kind: kind, intensity: intensity });
    render();
  }

  form.querySelectorAll("[data-region]").forEach((el) => {
    el.addEventListener("click", () => toggle(el.dataset.region));
    el.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(el.dataset.region); }
    });
  });
  form.querySelector("[data-add-mark]").addEventListener("click", () => toggle(form.querySelector("#mark-region").value));
  render();

  // ICD-10-CM suggestions: fill the shared datalist as the practitioner types a code or words.
  const datalist = document.getElementById("icd-suggestions");
  const url = form.dataset.icdUrl;
  let timer = null;
  form.querySelectorAll('input[list="icd-suggestions"]').forEach((field) => {
    field.addEventListener("input", () => {
      clearTimeout(timer);
      const q = field.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(() => {
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { "HX-Request": "true" } })
          .then((r) => r.text())
          .then((html) => { datalist.innerHTML = html; });
      }, 200);
    });
  });
})();
