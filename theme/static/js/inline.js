/* Inlined in <head> (its hash is in the Content-Security-Policy).
   Applies the saved theme before first paint, then wires the toggle and
   the subscribe forms. */
(function () {
  var root = document.documentElement, key = "theme";
  var system = matchMedia("(prefers-color-scheme: dark)");
  try {
    var saved = localStorage.getItem(key);
    if (saved === "dark" || saved === "light") root.dataset.theme = saved;
  } catch (e) { /* storage blocked: follow the system */ }
  function isDark() {
    return root.dataset.theme ? root.dataset.theme === "dark" : system.matches;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle) return;
    function sync() { toggle.setAttribute("aria-pressed", String(isDark())); }
    toggle.hidden = false;
    sync();
    system.addEventListener("change", sync);
    toggle.addEventListener("click", function () {
      root.dataset.theme = isDark() ? "light" : "dark";
      try { localStorage.setItem(key, root.dataset.theme); } catch (e) {}
      sync();
    });
  });
  /* Subscribe forms marked data-ajax post in place and show the answer.
     The custom header makes the request preflighted: an endpoint without
     CORS never receives it, and the form then posts the normal way. */
  document.addEventListener("submit", function (event) {
    var form = event.target, status = form.querySelector("[role=status]");
    if (!form.hasAttribute("data-ajax") || !window.fetch) return;
    event.preventDefault();
    status.textContent = "Sending\u2026";
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        status.textContent = data.message || (response.ok
          ? "Thank you! Please check your inbox."
          : "Sorry, that did not work. Please try again later.");
        if (response.ok) form.reset();
      });
    }, function () { form.submit(); });
  });
})();
