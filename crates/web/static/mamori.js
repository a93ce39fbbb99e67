// Live skip logic on the respondent pages. The server decides what applies (the same engine
// that checks the answers); this script only asks it again whenever an answer changes and
// shows or hides the questions. Without script, the server does the same on every page.
"use strict";
(function () {
  const form = document.querySelector("form[data-relevant]");
  if (!form) return;
  let pending = null;
  async function refresh() {
    // A chosen document is sent by its name only: skip logic needs to know that it is there.
    const body = new URLSearchParams();
    for (const [key, value] of new FormData(form)) {
      body.append(key, typeof value === "string" ? value : value.name);
    }
    try {
      const reply = await fetch(form.dataset.relevant + location.search, {
        method: "POST",
        body,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        credentials: "same-origin",
      });
      if (!reply.ok) return;
      const { hidden, choices } = await reply.json();
      const hide = new Set(hidden);
      for (const q of form.querySelectorAll(".question[id^='q-']")) {
        const name = q.id.slice(2);
        q.hidden = hide.has(name);
      }
      // Choice filters: only the choices offered for these answers can be chosen; one chosen
      // before and no longer offered is let go (as the server would on the next save).
      for (const [name, names] of Object.entries(choices ?? {})) {
        const offered = new Set(names);
        for (const field of form.querySelectorAll("[name]")) {
          if (field.name !== name) continue;
          if (field.tagName === "SELECT") {
            for (const option of field.options) {
              if (option.value === "") continue;
              const off = !offered.has(option.value);
              option.hidden = off;
              option.disabled = off;
              if (off && option.selected) field.value = "";
            }
          } else if (field.type === "radio" || field.type === "checkbox") {
            const off = !offered.has(field.value);
            field.disabled = off;
            if (off) field.checked = false;
            const label = field.closest("label.choice");
            if (label) label.hidden = off;
          }
        }
      }
    } catch (_) {
      // Offline or the server is away: the server still checks on the next page.
    }
  }
  form.addEventListener("change", () => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 50);
  });
})();
