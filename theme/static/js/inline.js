/* Inlined in <head> (its hash is in the Content-Security-Policy).
   Applies the saved theme before first paint, then wires the toggle, the
   share block and the subscribe forms. */
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
  /* The share block (partials/share.html): a copy-link button and a form
     for the reader's own Mastodon server, hidden until this runs. Nothing is
     requested from another site until the reader asks. */
  function serverHost(value) {
    /* "https://mastodon.social/", "@me@mastodon.social" -> "mastodon.social" */
    var host = value.trim().replace(/^https?:\/\//i, "").replace(/^@?[^@\/]*@/, "");
    host = host.split(/[\/?#]/)[0].toLowerCase();
    return /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/.test(host) ? host : "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var copy = document.querySelector("[data-copy-link]");
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var status = document.querySelector("[data-copy-status]");
        navigator.clipboard.writeText(copy.getAttribute("data-copy-link")).then(function () {
          status.textContent = "Link copied.";
        }, function () { status.textContent = "Could not copy: select the link and copy it."; });
      });
    }
    var form = document.querySelector("[data-share-mastodon]");
    if (!form) return;
    var input = form.elements.instance, remember = form.elements.remember, key = "mastodon-server";
    try {
      var saved = localStorage.getItem(key);
      if (saved) { input.value = saved; remember.checked = true; }
    } catch (e) { /* storage blocked: ask every time */ }
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var host = serverHost(input.value);
      if (!host) {
        form.querySelector("[role=status]").textContent = "Please enter your server's address, for example mastodon.social.";
        input.focus();
        return;
      }
      try {
        if (remember.checked) localStorage.setItem(key, host); else localStorage.removeItem(key);
      } catch (e) { /* not remembered */ }
      location.assign("https://" + host + "/share?text=" + encodeURIComponent(form.getAttribute("data-text")));
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
