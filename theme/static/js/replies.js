/* The reply form (partials/reply_form.html): shown only when this script runs,
   it posts the reply to the site's Isso server (its origin is in the CSP's
   connect-src) and tells the reader it awaits moderation. Without JavaScript
   the form stays hidden and the email link above it is the way to reply. */
(function () {
  var form = document.querySelector("[data-reply-form]");
  if (!form || !window.fetch) return;
  var status = form.querySelector("[role=status]");
  var button = form.querySelector("button[type=submit]");
  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var body = {
      text: String(data.get("text") || ""),
      author: String(data.get("author") || "").trim(),
      website: String(data.get("website") || "").trim() || null,
      title: form.getAttribute("data-title")
    };
    var url = form.getAttribute("data-isso") + "/new?uri=" + encodeURIComponent(form.getAttribute("data-uri"));
    button.disabled = true;
    status.textContent = "Sending\u2026";
    /* Content-Type application/json: Isso refuses anything else (its CSRF check). */
    fetch(url, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      button.disabled = false;
      if (response.status === 202 || response.status === 201) {
        form.reset();
        status.textContent = "Thank you! Your reply awaits moderation: it appears here once the editors have read it.";
      } else {
        return response.text().then(function (reason) {
          status.textContent = "Sorry, your reply was not accepted (" + (reason || response.status).toString().slice(0, 200) +
            "). You can send it by email instead.";
        });
      }
    }, function () {
      button.disabled = false;
      status.textContent = "Sorry, the reply server could not be reached. You can send your reply by email instead.";
    });
  });
})();
