/* The editor's preview in the site's own look: the theme's stylesheet (named in
 * this script's data-style by plugins/editor) in the preview pane, and a post
 * laid out with the article page's classes (theme/templates/article.html). */
(function () {
  "use strict";
  const CMS = window.CMS;
  const style = document.currentScript && document.currentScript.dataset.style;
  if (!CMS) {
    return;
  }
  if (style) {
    CMS.registerPreviewStyle(style);
  }
  const h = window.h; // React's createElement, which Decap exposes

  function PostPreview(props) {
    const field = (name) => props.entry.getIn(["data", name]) || "";
    const tags = field("tags");
    return h("main", { className: "site-main" },
      h("article", { className: "post" },
        h("header", { className: "post__header" },
          h("h1", { className: "post__title" }, field("title")),
          h("p", { className: "post__meta" },
            [field("author"), field("date"), field("category")].filter(Boolean).join(" · "))),
        h("div", { className: "post__body prose" }, props.widgetFor("body")),
        h("footer", { className: "post__footer" },
          h("p", { className: "tag-list" }, (tags && tags.join ? tags.join(", ") : String(tags))))));
  }

  CMS.registerPreviewTemplate("posts", PostPreview);
})();
