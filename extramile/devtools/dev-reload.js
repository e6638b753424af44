// Development only: the dev server (extramile/devtools/dev_server.py) adds this
// script to the HTML it serves; no build ever contains it. Over Server-Sent
// Events the server says which output files changed (this page reloads when its
// own file is among them, or a stylesheet) and how each build ended: while the
// last build failed, the page shows its problems (file:line and how to fix) in
// an overlay, which goes when a build passes; a passing build's notes (the
// published addresses it drops, devtools/build_notes.py) show at the page's
// foot. Styles come from a same-origin stylesheet and text is set as text: the
// site's CSP allows both.
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

  function addStylesheet() {
    if (!document.querySelector("link[href='/__dev__/overlay.css']")) {
      var sheet = element("link");
      sheet.rel = "stylesheet";
      sheet.href = "/__dev__/overlay.css";
      document.head.appendChild(sheet);
    }
  }

  // A passing build's notes: published addresses it drops, each with the
  // Aliases: line to add. At the page's foot; the page stays readable.
  var notes = null;

  function showNotes(build) {
    if (notes) {
      notes.remove();
      notes = null;
    }
    if (!build.notes || !build.notes.length) {
      return;
    }
    addStylesheet();
    notes = element("section", "dev-notes");
    notes.setAttribute("role", "status");
    notes.appendChild(element("h2", "dev-notes-title", "Published addresses this build drops"));
    var list = element("ul", "dev-problems-list");
    build.notes.forEach(function (note) {
      var item = element("li");
      item.appendChild(element("code", "dev-problems-where", note.file + (note.line ? ":" + note.line : "")));
      item.appendChild(element("span", "dev-problems-what", " " + note.message));
      list.appendChild(item);
    });
    notes.appendChild(list);
    document.body.appendChild(notes);
  }

  function showProblems(build) {
    hideProblems();
    addStylesheet();
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
    showNotes(build);
    if (build.ok) {
      hideProblems();
    } else {
      showProblems(build);
    }
  });
})();
