"""An nginx server block for the built site, generated from its `_headers`
file, so nginx sends exactly the headers Netlify and Cloudflare Pages get
(the CSP and referrer policy of the settings) and the caching of
deploy/headers.py, and from its `_redirects` file (plugins/redirects): a 301
from each old address of a post, a 410 for each path removed on purpose.
A folder with a rule of its own (the editor's /admin/*: its own CSP and
noindex) gets its own location, with the headers the hosts send there.
`invoke nginx-config` prints it; the tests run it.
"""

import re
from pathlib import Path

from . import redirects as redirects_file
from .headers import DAY, FINGERPRINTED, IMMUTABLE, REVALIDATE


def read_headers(path):
    """{path pattern: {name: value}} from a Netlify/Cloudflare `_headers` file; a header
    the rule detaches from broader rules (Cloudflare's `! Name`) has the value None."""
    rules, current = {}, None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line[0].isspace():
            current = rules.setdefault(line.strip(), {})
        elif line.strip().startswith("!"):
            current[line.strip()[1:].strip()] = None
        else:
            name, value = line.strip().split(":", 1)
            current[name.strip()] = value.strip()
    return rules


def redirect_locations(rules, headers):
    """An exact location for each old path (and the same without its final slash, one hop):
    a 301 to the new address; a 410 whose body is the rule's target, the "removed" page the
    plugin wrote there. That body comes from a named location: an error_page to the URI of
    a gone file (/old.html) would come back to its own `return 410` and get nginx's page."""
    blocks = []
    for number, (old, new, status) in enumerate(rules):
        answer = f"return {status} {new};"
        if status == 410:
            answer = f"error_page 410 @gone{number};\n        return 410;"
            blocks.append(f"""
    location @gone{number} {{
        rewrite ^ {new} break;
        {headers}
    }}""")
        for path in dict.fromkeys([old, old.rstrip("/") or old]):
            blocks.append(f"""
    location = {path} {{
        {answer}
        {headers}
    }}""")
    return "".join(blocks)


def folder_headers(rules, prefix, security):
    """{folder: headers} from the rules under a folder that set more than Cache-Control
    (the editor's /admin/, /admin/:file, /admin/:folder/:file): the site's headers, less
    those a rule detaches, with its own on top, as both hosts apply them."""
    folders = {}
    for pattern, own in rules.items():
        if pattern == f"{prefix}/*" or set(own) <= {"Cache-Control"}:
            continue
        folder = re.match(r"[^:*]*/", pattern)[0]
        headers = folders.setdefault(folder, dict(security))
        for name, value in own.items():
            if value is None:
                headers.pop(name, None)
            elif name != "Cache-Control":
                headers[name] = value
    return folders


def add_headers(headers, cache=None, indent="        "):
    """nginx's lines for `headers`, and for a Cache-Control of `cache` if given."""
    headers = {**headers, "Cache-Control": cache} if cache else headers
    return f"\n{indent}".join(f"add_header {name} {quote(value)} always;" for name, value in headers.items())


def folder_locations(folders):
    """A prefix location per folder, which regex locations do not override (^~), with
    its own for fingerprinted files."""
    return "".join(f"""
    # {folder}: its own policy (plugins/host_headers).
    location ^~ {folder} {{
        index index.html;
        try_files $uri $uri/ =404;
        {add_headers(headers, REVALIDATE)}
        location ~ "({FINGERPRINTED.pattern})" {{
            {add_headers(headers, IMMUTABLE, indent="            ")}
        }}
    }}""" for folder, headers in folders.items())


def quote(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Isso's pages (its admin page above all) may never be framed; its own scripts
# are inline, so the site's CSP would break them: this one says only that.
ISSO_CSP = "frame-ancestors 'none'"


def isso_location(prefix, upstream, security):
    """Isso (readers' replies, plugins/replies) proxied under the site, same
    origin: ISSO_URL is then the site's address + /isso. X-Script-Name tells
    Isso the path it is mounted at (Isso's documentation, "sub-URI"). Its
    responses carry the site's headers but for the CSP, which is ISSO_CSP."""
    if not upstream:
        return ""
    headers = {**{name: value for name, value in security.items() if name != "Content-Security-Policy"},
               "Content-Security-Policy": ISSO_CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}
    return f"""
    # Isso, the reply server, at {prefix}/isso/ (build with ISSO_URL=<site>/isso).
    location {prefix}/isso/ {{
        proxy_pass {upstream.rstrip("/")}/;
        proxy_set_header Host $host;
        proxy_set_header X-Script-Name {prefix}/isso;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        client_max_body_size 128k;
        # Isso's own headers of these names would come twice: nginx's only.
        proxy_hide_header X-Frame-Options;
        proxy_hide_header Content-Security-Policy;
        {add_headers(headers)}
    }}"""


def render(output, prefix=None, root=None, listen="80", server_name="_", isso=None):
    """The server block; `root` is the folder whose `prefix` sub-folder holds the site.

    The prefix (`/blog` for https://example.org/blog) defaults to the one the
    build's `_headers` file names in its first rule (`/blog/*`). With `isso`
    (Isso's own address, e.g. http://127.0.0.1:8080), it is proxied at /isso/."""
    path = Path(output) / "_headers"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: build the production site first (invoke production).")
    rules = read_headers(path)
    if prefix is None:
        prefix = next(iter(rules))[:-2]
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    security = {name: value for name, value in rules.get(f"{prefix}/*", {}).items() if value is not None}
    root = root or str(Path(output).resolve().parent if prefix else Path(output).resolve())
    redirects = redirect_locations(redirects_file.read(output), add_headers(security, REVALIDATE))
    return f"""\
# Generated by `invoke nginx-config` from the build's _headers file
# (plugins/host_headers, deploy/headers.py): regenerate, do not edit.
server {{
    listen {listen};
    server_name {server_name};
    root {root};
    charset utf-8;
    # Serve the page.html.gz copies the production build made, when accepted.
    gzip_static on;
    gzip on;
    gzip_types text/css text/javascript application/javascript application/json application/xml text/xml image/svg+xml;
    # Redirect /posts/x to /posts/x/ with a relative Location (any host, any port).
    absolute_redirect off;
    server_tokens off;
    error_page 404 {prefix}/404.html;

    location {prefix}/ {{
        index index.html;
        try_files $uri $uri/ =404;
        {add_headers(security, REVALIDATE)}
    }}
    # Files named by their content hash never change: cached for a year.
    location ~ "^{prefix}/.*({FINGERPRINTED.pattern})" {{
        {add_headers(security, IMMUTABLE)}
    }}
    location ~* "^{prefix}/.*\\.(png|jpe?g|gif|webp|avif|ico|woff2?)$" {{
        {add_headers(security, DAY)}
    }}
    # Host configuration is not content.
    location = {prefix}/_headers {{
        return 404;
    }}
    location = {prefix}/_redirects {{
        return 404;
    }}{folder_locations(folder_headers(rules, prefix, security))}
    # Old addresses (Aliases:) and removed pages (GONE), from _redirects.{redirects}{isso_location(prefix, isso, security)}
}}
"""
