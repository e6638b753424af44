/* Checks the editor makes before anything is written, in the build's own
 * words where the build has a rule:
 *
 * - a save: a picture in the text without alt text, a cover without
 *   Cover_alt (plugins/pictures' messages), no tag at all (validate's), and
 *   for a new post the slug: made from the title as `invoke new-post` makes
 *   it (slug.js) and refused if another post has it (validate's message, one
 *   per slug the build knows). The pictures are found as extramile/sources.py
 *   finds them for the build (test_checks.py compares the two on the same
 *   texts). A problem stops the save (Decap's `preSave` event): Decap shows
 *   the error, writes nothing and keeps the form as it is.
 * - a save of a post someone else saved since it was opened: refused, with
 *   the local backend (decap-server), which has no conflict check of its own,
 *   and with Gitea and Forgejo, whose own check Decap bypasses (it asks for
 *   the file's current sha just before writing).
 * - an upload that is not a picture the build takes, or has more pixels than
 *   PICTURES_MAX_PIXELS: refused before Decap sees the file.
 *
 * plugins/editor puts the build's data in the page's JSON block #editor-site. */
(function (root) {
  "use strict";

  const inNode = typeof module === "object" && module.exports;
  const format = () => (inNode ? require("./format.js") : root.ExtramileFormat);
  const slugs = () => (inNode ? require("./slug.js") : root.ExtramileSlug);

  // The editor's own words (the build has no rule for these).
  const WORDS = {
    unknown: (chars) => `The title has characters the editor cannot turn into a web address (${chars}). ` +
      "Write them in Latin letters, or ask for the post to be started with `invoke new-post`.",
    empty: "The title gives no web address (it has no letters or digits). Add a word to it.",
    changed: "Someone else saved this post after you opened it: saving now would replace their changes. " +
      "Nothing was written, and your text is still here. Copy what you changed, open the post again " +
      "to see their version, and make your changes in it.",
    unread: "The editor could not check whether someone else changed this post: nothing was written. " +
      "Try again in a moment.",
    notPicture: (name, formats) => `${name} is not a picture the site can publish (${formats}). ` +
      "Save it as JPEG or PNG. Nothing was uploaded.",
    tooLarge: (name, message) => `${name}: ${message} Nothing was uploaded.`,
  };

  // ![alt](target "title"){: attrs}, as MD_IMAGE in extramile/sources.py.
  const MD_IMAGE = /!\[((?:\\.|[^\]\\])*)\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)(\{:?[^}]*\})?/g;
  const IMG = /<img\b[^>]*>/gi;
  const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

  function htmlAttributes(tag) {
    const attrs = {};
    for (const match of tag.slice(4).matchAll(ATTR)) {
      attrs[match[1].toLowerCase()] = match[2] ?? match[3] ?? match[4] ?? "";
    }
    return attrs;
  }

  // Pictures of a markdown body without a text alternative: [{line, src}] (line 1 = the body's first).
  function picturesWithoutAlt(body) {
    const found = [];
    let fence = null;
    String(body || "").split("\n").forEach((line, index) => {
      const opened = FENCE.exec(line);
      if (fence) {
        if (opened && opened[1][0] === fence[0] && opened[1].length >= fence.length) {
          fence = null;
        }
        return;
      }
      if (opened) {
        fence = opened[1];
        return;
      }
      if (/^( {4}|\t)/.test(line) && !/^\s*(!\[|<img)/i.test(line)) {
        return; // an indented code block
      }
      const text = line.replace(/`[^`]*`/g, "");
      for (const image of text.matchAll(MD_IMAGE)) {
        const alt = image[1].replace(/\\(.)/g, "$1").trim();
        if (!alt && !(image[3] && /\.decorative\b/.test(image[3]))) {
          found.push({ line: index + 1, src: image[2] });
        }
      }
      for (const tag of text.matchAll(IMG)) {
        const attrs = htmlAttributes(tag[0]);
        const decorative = (attrs.class || "").split(/\s+/).includes("decorative");
        if (!(attrs.alt || "").trim() && !decorative) {
          found.push({ line: index + 1, src: attrs.src || "" });
        }
      }
    });
    return found;
  }

  // The problems of an entry's data, in validate's words.
  function problems(data, messages) {
    const found = [];
    if (messages.tags && !format().tagsOf(data).length) {
      found.push(messages.tags);
    }
    if (String(data.cover || "").trim() && !String(data.cover_alt || "").trim()) {
      found.push(messages.cover);
    }
    for (const picture of picturesWithoutAlt(data.body)) {
      found.push(messages.picture.replace("{src}", picture.src));
    }
    return found;
  }

  // A new post's data with its Slug, and the problems of that slug.
  function newSlug(data, site) {
    if (String(data.slug || "").trim()) {
      return { slug: String(data.slug).trim(), found: [] };
    }
    const made = slugs().slugify(data.title, site.slug);
    if (made.unknown.length) {
      return { slug: "", found: [WORDS.unknown(made.unknown.join(" "))] };
    }
    return { slug: made.slug, found: made.slug ? [] : [WORDS.empty] };
  }

  function slugProblems(slug, site) {
    return slug && Object.prototype.hasOwnProperty.call(site.taken, slug) ? [site.taken[slug]] : [];
  }

  // The first bytes of each picture format the build takes (Pillow's names).
  const SIGNATURES = [
    ["JPEG", (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
    ["PNG", (b) => ascii(b, 1, 4) === "PNG" && b[0] === 0x89],
    ["GIF", (b) => /^GIF8[79]a$/.test(ascii(b, 0, 6))],
    ["WEBP", (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP"],
    ["AVIF", (b) => ascii(b, 4, 8) === "ftyp" && /^avi[fs]$/.test(ascii(b, 8, 12))],
    ["TIFF", (b) => ["II*\0", "MM\0*"].includes(ascii(b, 0, 4))],
    ["BMP", (b) => ascii(b, 0, 2) === "BM"],
  ];

  function ascii(bytes, start, end) {
    return String.fromCharCode(...bytes.slice(start, end));
  }

  function pictureFormat(bytes, formats) {
    const found = SIGNATURES.find(([name, test]) => formats.includes(name) && test(bytes));
    return found ? found[0] : null;
  }

  // The upload's problem, or "" (async: the picture's size needs its header read).
  async function uploadProblem(file, site) {
    const formats = site.pictures.formats;
    const kind = pictureFormat([...new Uint8Array(await file.slice(0, 16).arrayBuffer())], formats);
    if (!kind) {
      return WORDS.notPicture(file.name, formats.join(", "));
    }
    const url = URL.createObjectURL(file);
    try {
      const image = new Image();
      await new Promise((resolve, reject) => { // loaded: its size is known (decoding is left for later)
        image.onload = resolve;
        image.onerror = reject;
        image.src = url;
      });
      if (image.naturalWidth * image.naturalHeight > site.pictures.max_pixels) {
        return WORDS.tooLarge(file.name, site.messages.pixels);
      }
    } catch (error) {
      if (kind !== "TIFF") { // Chromium cannot show TIFF: the build checks it
        return WORDS.notPicture(file.name, formats.join(", "));
      }
    } finally {
      URL.revokeObjectURL(url);
    }
    return "";
  }

  // What the editor last wrote to each path, and the text that was on disk when it was opened.
  const written = new Map();

  // The post's text as the backend has it now: a string, null (no such file), or undefined (not read).
  async function currentText(entry, backend) {
    const path = entry.get("path");
    if (backend.kind === "contents") { // the git host's contents API (GitHub, Gitea, Forgejo), with Decap's token
      const user = JSON.parse(root.localStorage.getItem("decap-cms-user") || "{}");
      // With drafts as pull requests, a save goes to the post's draft branch while it has one.
      const refs = backend.drafts ? [`${backend.drafts}/${entry.get("collection")}/${entry.get("slug")}`] : [];
      for (const ref of [...refs, backend.branch]) {
        const url = backend.url + path.split("/").map(encodeURIComponent).join("/") + "?ref=" + encodeURIComponent(ref);
        const response = await fetch(url, { cache: "no-store", headers: { Authorization: `token ${user.token}` } });
        if (response.status === 404) {
          continue;
        }
        const file = response.ok ? await response.json() : {};
        const bytes = Uint8Array.from(root.atob(String(file.content || "").replace(/\s/g, "")), (c) => c.charCodeAt(0));
        return file.encoding === "base64" ? new TextDecoder().decode(bytes) : undefined;
      }
      return null;
    }
    const response = await fetch(backend.url, { // decap-server's own API
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action: "getEntry", params: { branch: backend.branch, path } }),
    });
    return response.ok ? (await response.json()).data : undefined;
  }

  // Has the post's file changed since the author opened it?
  async function changedSinceOpened(entry, backend) {
    const path = entry.get("path");
    const opened = entry.get("raw");
    const last = written.get(path);
    const expected = last && last.opened === opened ? last.saved : opened;
    let current;
    try {
      current = await currentText(entry, backend);
    } catch (error) {
      current = undefined;
    }
    if (current === undefined) {
      throw new Error(WORDS.unread);
    }
    return current !== null && current !== expected;
  }

  function listen(site) {
    root.CMS.registerEventListener({
      name: "preSave",
      handler: async ({ entry }) => {
        const data = entry.get("data").toJS();
        const found = problems(data, site.messages);
        let slug = null;
        if (entry.get("newRecord")) {
          const made = newSlug(data, site);
          found.push(...made.found, ...slugProblems(made.slug, site));
          slug = made.slug;
        } else if (site.backend && !found.length && await changedSinceOpened(entry, site.backend)) {
          found.push(WORDS.changed);
        }
        if (found.length) {
          throw new Error(found.join(" "));
        }
        return slug && slug !== data.slug ? entry.get("data").set("slug", slug) : undefined;
      },
    });
    root.CMS.registerEventListener({
      name: "postSave",
      handler: ({ entry }) => {
        if (entry.get("path")) {
          written.set(entry.get("path"), { opened: entry.get("raw"), saved: format().toFile(entry.get("data").toJS()) });
        }
      },
    });
    // Uploads: the media library's file input. The event is held back while the
    // file is read, then given to Decap again if the file is accepted.
    const accepted = new WeakSet();
    root.addEventListener("change", (event) => {
      const input = event.target;
      if (accepted.has(event) || !(input instanceof root.HTMLInputElement) || input.type !== "file" ||
          !input.files || !input.files.length) {
        return;
      }
      event.stopImmediatePropagation();
      uploadProblem(input.files[0], site).then((problem) => {
        if (problem) {
          input.value = "";
          root.alert(problem); // as Decap tells of a file over max_file_size
          return;
        }
        const again = new Event("change", { bubbles: true });
        accepted.add(again);
        input.dispatchEvent(again);
      });
    }, true);
  }

  const api = { picturesWithoutAlt, problems, newSlug, slugProblems, pictureFormat, currentText };
  if (inNode) {
    module.exports = api;
  }
  const data = root.document && root.document.getElementById("editor-site");
  if (root.CMS && data) {
    listen(JSON.parse(data.textContent));
  }
})(globalThis);
