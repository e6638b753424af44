// Development only: the dev server (extramile/devtools/dev_server.py) adds this
// script to the HTML it serves; no build ever contains it. The server says over
// Server-Sent Events which output files changed; this page reloads when its own
// file is among them, or a stylesheet.
(function () {
  "use strict";
  if (!window.EventSource) {
    return;
  }
  var own = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (own === "" || own.slice(-1) === "/") {
    own += "index.html";
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
})();
