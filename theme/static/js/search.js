/* The search page: queries the Pagefind index in the browser and renders the
   results as plain DOM (no innerHTML), so nothing in the index becomes markup.
   Loaded as a module by search.html only. */
const form = document.querySelector("[data-search]");
const input = form.querySelector("input[name=q]");
const status = document.querySelector("[data-search-status]");
const list = document.querySelector("[data-search-results]");
// Both come from SITEURL, so the page works at a root, under a sub-path and
// in the relative development build.
const bundle = new URL(form.dataset.bundle, document.baseURI);
const basePath = new URL(form.dataset.base, document.baseURI).pathname;
const MAX_RESULTS = 20;

let pagefind = null;
let latest = 0;

async function engine() {
  if (!pagefind) {
    pagefind = await import(new URL("pagefind.js", bundle).href);
    await pagefind.options({ baseUrl: basePath });
    await pagefind.init();
  }
  return pagefind;
}

function element(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

// The excerpt, built from the page's text and the matched word positions.
// Pagefind's own `excerpt` is HTML whose text is not escaped (a title like
// "<img onerror=...>" stays markup), so it is never parsed; every word here
// becomes a text node, and matched words a <mark>.
const EXCERPT_WORDS = 30;

function excerpt(data) {
  const content = data.content || "";
  const cjk = content.includes("\u200B");  // Pagefind's word separator for CJK
  const words = cjk ? content.split("\u200B") : content.split(/\s+/);
  const hits = new Set(data.locations || []);
  // The window with the most matched words, starting a little before one.
  let start = 0, most = -1;
  for (const at of hits) {
    const from = Math.max(0, Math.min(at - Math.floor(EXCERPT_WORDS / 3), words.length - EXCERPT_WORDS));
    const count = [...hits].filter((h) => h >= from && h < from + EXCERPT_WORDS).length;
    if (count > most) { most = count; start = from; }
  }
  const end = Math.min(words.length, start + EXCERPT_WORDS);
  const nodes = start > 0 ? ["… "] : [];
  for (let i = start; i < end; i++) {
    if (i > start && !cjk) nodes.push(" ");
    nodes.push(hits.has(i) ? element("mark", { textContent: words[i] }) : words[i]);
  }
  if (end < words.length) nodes.push(" …");
  return nodes;
}

function resultItem(data) {
  const meta = data.meta || {};
  const byline = element("p", { className: "search-result__meta" });
  if (meta.author) byline.append("By " + meta.author);
  if (meta.date) {
    if (meta.author) byline.append(" · ");
    byline.append(element("time", { dateTime: meta.datetime || "", textContent: meta.date }));
  }
  return element("li", { className: "search-result" },
    element("h2", { className: "search-result__title" },
      element("a", { href: data.url, textContent: meta.title || data.url })),
    byline,
    element("p", { className: "search-result__excerpt" }, ...excerpt(data)));
}

function say(text) {
  status.textContent = text;
}

async function run(query) {
  const ticket = ++latest;
  query = query.trim();
  if (!query) {
    list.replaceChildren();
    say("");
    return;
  }
  let found;
  try {
    const search = await (await engine()).search(query);
    found = await Promise.all(search.results.slice(0, MAX_RESULTS).map((r) => r.data()));
    if (ticket !== latest) return;  // a newer query has started
    found.total = search.results.length;
  } catch (err) {
    say("Search could not load here. Browse the articles below instead.");
    throw err;
  }
  list.replaceChildren(...found.map(resultItem));
  const shown = found.total > found.length ? ` (showing the first ${found.length})` : "";
  say(found.total === 0
    ? `No articles found for “${query}”. Try another word, or browse below.`
    : `${found.total} article${found.total === 1 ? "" : "s"} found for “${query}”${shown}.`);
}

function keepInAddress(query) {
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
}

let timer;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => { keepInAddress(input.value.trim()); run(input.value); }, 150);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  keepInAddress(input.value.trim());
  run(input.value);
});
// Arrow down from the box moves to the first result; Tab works as usual.
input.addEventListener("keydown", (event) => {
  const first = list.querySelector("a");
  if (event.key === "ArrowDown" && first) {
    event.preventDefault();
    first.focus();
  }
});

const initial = new URLSearchParams(location.search).get("q") || "";
input.value = initial;
if (initial) run(initial);
else input.focus();
