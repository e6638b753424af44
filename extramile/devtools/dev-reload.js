// Development only: the dev server (extramile/devtools/dev_server.py) adds this
// script to the HTML it serves; no build ever contains it. Over Server-Sent
// Events the server says which output files changed (this page reloads when its
// own file is among them, or a stylesheet) and how each build ended: while the
// last build failed, the page shows its problems (file:line and how to fix) in
// an overlay, which goes when a build passes. Styles come from a same-origin
// stylesheet and text is set as text: the site's CSP allows both.
(function () {
  "use strict";
  if (!window.EventSource) {
    return;
  }
  var own = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (own === "" || own.slice(-1) === "/") {
    own += "index.html";
  }
  var overlay = null;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function hideProblems() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  function showProblems(build) {
    hideProblems();
    if (!document.querySelector("link[href='/__dev__/overlay.css']")) {
      var sheet = element("link");
      sheet.rel = "stylesheet";
      sheet.href = "/__dev__/overlay.css";
      document.head.appendChild(sheet);
    }
    overlay = element("section", "dev-problems");
    overlay.setAttribute("role", "alert");
    var count = build.problems.length;
    overlay.appendChild(element("h2", "dev-problems-title", count
      ? "The build stopped: " + count + (count === 1 ? " problem" : " problems") + " to fix"
      : "The build stopped"));
    if (count) {
      var list = element("ol", "dev-problems-list");
      build.problems.forEach(function (problem) {
        var item = element("li");
        item.appendChild(element("code", "dev-problems-where", problem.file + ":" + problem.line));
        item.appendChild(element("span", "dev-problems-what", " " + problem.message));
        list.appendChild(item);
      });
      overlay.appendChild(list);
    } else {
      overlay.appendChild(element("pre", "dev-problems-output", build.output));
    }
    overlay.appendChild(element("p", "dev-problems-hint",
      "This page is the last good build. Fix and save: this goes away when a build passes."));
    document.body.appendChild(overlay);
  }

  var events = new EventSource("/__dev__/events");
  events.onmessage = function (event) {
    var changed = JSON.parse(event.data);
    for (var i = 0; i < changed.length; i += 1) {
      if (changed[i] === own || /\.css$/.test(changed[i])) {
        events.close();
        location.reload();
        return;
      }
    }
  };
  events.addEventListener("build", function (event) {
    var build = JSON.parse(event.data);
    if (build.ok) {
      hideProblems();
    } else {
      showProblems(build);
    }
  });
})();
