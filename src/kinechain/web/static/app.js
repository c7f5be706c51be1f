// Progressive enhancement only: every page works without this file.
// Elements with data-poll="<api url>" are refreshed with the job's progress until it ends.
(function () {
  function poll(el) {
    const url = el.getAttribute("data-poll");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        const bar = el.querySelector("progress");
        const stage = el.querySelector(".stage");
        if (bar) { bar.value = job.progress; }
        if (stage) { stage.textContent = job.stage; }
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
        } else {
          setTimeout(function () { poll(el); }, 1000);
        }
      })
      .catch(function () { setTimeout(function () { poll(el); }, 3000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(function (el) { setTimeout(function () { poll(el); }, 800); });
    document.querySelectorAll("meta[data-refresh]").forEach(function (m) { m.remove(); });
  });
})();
