"""What makes `invoke publish --if-due` run by itself, for `invoke schedule`:
a systemd service and timer, or a crontab line, for a server deploying with
rsync or to S3; GitHub Actions (.github/workflows/site.yml) for GitHub Pages.
And the line each publish ends with: when the next scheduled post is due.

EVERY: minutes between runs. A run takes a minute or two (bootstrap is not
needed on a server; the build is), so a post appears within EVERY plus the
build time of its date: 5 + 2 < 15 minutes on a server. GitHub starts
scheduled workflows late under load (often 5-15 minutes), so the workflow's
10-minute cron is the tightest that stays near 15 minutes there.
"""

import datetime
import json
import math
import re
import shlex
from pathlib import Path

EVERY = 5
ENV_FILE = "/etc/extramile/publish.env"
UNIT = "extramile-publish"
WORKFLOW = ".github/workflows/site.yml"
# What every setup needs beside the deploy target's own variables: the
# production build's settings (publishconf.py reads them from the environment).
BUILD_VARIABLES = {
    "SITEURL": "the site's public address, e.g. https://example.org or https://example.org/blog",
    "SUBSCRIBE_PROVIDER": "buttondown, mailchimp, kit, generic, or none (feeds only)",
    "SUBSCRIBE_ACTION": "the provider's form address or account (empty with none)",
    "REPLIES": "email, isso or none",
    "REPLY_EMAIL": "the address readers' replies go to (REPLIES=email or isso)",
    "ISSO_URL": "the Isso server's public address (REPLIES=isso only)",
    "EDITOR_BACKEND": "optional, the browser editor at /admin/: github, forgejo or gitea (docs/editor.md)",
    "EDITOR_REPO": "with EDITOR_BACKEND: the repository, owner/name",
    "EDITOR_BRANCH": "with EDITOR_BACKEND: the branch the site is built from (default main)",
    "EDITOR_API_ROOT": "forgejo and gitea: the host's API, https://git.example.org/api/v1",
    "EDITOR_APP_ID": "forgejo and gitea: the client id of the host's OAuth2 application",
    "EDITOR_AUTH_URL": "github: the OAuth provider's address (default Netlify's)",
}
CREDENTIALS = {"s3": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]}  # boto3 reads them


def env_lines(target_name, variables):
    """A timer's env file: the environment a publish needs, one NAME=value a
    line, the target's defaults filled in and the rest left to fill."""
    lines = [f"DEPLOY_TARGET={target_name}"]
    lines += [f"{name}={default}" for name, default in variables.items()]
    for name, meaning in BUILD_VARIABLES.items():
        lines += [f"# {meaning}", f"{name}="]
    lines += [f"{name}=" for name in CREDENTIALS.get(target_name, [])]
    return lines


def workflow_variables(text):
    """The repository variables the workflow `text` reads (`${{ vars.NAME }}`), one NAME= line each."""
    lines = []
    for name in dict.fromkeys(re.findall(r"\$\{\{\s*vars\.([A-Z_]+)\s*\}\}", text)):
        lines += [f"# {BUILD_VARIABLES.get(name, 'optional')}", f"{name}="]
    return lines


def read_report(path):
    """The scheduled posts the build reported (plugins/schedule), soonest first."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)["scheduled"]
    except (OSError, ValueError, KeyError):
        return []


def next_due(scheduled, now):
    """One line: when the next scheduled post goes live, or that none is scheduled."""
    if not scheduled:
        return "No post is scheduled."
    post = scheduled[0]
    date = datetime.datetime.fromisoformat(post["date"])
    minutes = max(0, math.ceil((date - now).total_seconds() / 60))
    days, hours = divmod(minutes // 60, 24)
    wait = " ".join([f"{days} d"] * bool(days) + [f"{hours} h"] * bool(days or hours) + [f"{minutes % 60} min"])
    more = f" ({len(scheduled) - 1} more after it)" if len(scheduled) > 1 else ""
    return (f"Next scheduled post: {post['title']!r} ({post['source']}) is due at "
            f"{date.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC, in {wait}{more}; "
            "the first run after that publishes it.")


def service(root, python, user, env_file=ENV_FILE):
    return f"""\
# /etc/systemd/system/{UNIT}.service: publish The Extra Mile when something is due.
[Unit]
Description=Publish The Extra Mile when a scheduled post or a change is due
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User={user}
WorkingDirectory={root}
# DEPLOY_TARGET, its variables and the build's (`invoke schedule` lists them): one NAME=value a line.
EnvironmentFile={env_file}
ExecStart={shlex.join([python, "-m", "invoke", "publish", "--if-due"])}
Nice=10
TimeoutStartSec=20min
"""


def timer(every=EVERY):
    return f"""\
# /etc/systemd/system/{UNIT}.timer: every {every} minutes, and at boot for a run missed while off.
[Unit]
Description=Publish The Extra Mile every {every} minutes when something is due

[Timer]
OnCalendar=*:0/{every}
AccuracySec=30s
Persistent=true

[Install]
WantedBy=timers.target
"""


def crontab_line(root, python, env_file=ENV_FILE, every=EVERY):
    command = (f"cd {shlex.quote(str(root))} && set -a && . {shlex.quote(env_file)} && set +a && "
               f"{shlex.join([python, '-m', 'invoke', 'publish', '--if-due'])} >>\"$HOME/extramile-publish.log\" 2>&1")
    return f"*/{every} * * * * {command}"


def instructions(target_name, variables, root, python, user, env_file=ENV_FILE, every=EVERY):
    """What `invoke schedule` prints for the configured target; `variables`: the target's {name: default}."""
    if target_name == "ghpages":
        workflow = (Path(root) / WORKFLOW).read_text(encoding="utf-8")
        listed = "\n".join("     " + line for line in workflow_variables(workflow))
        cron = re.search(r'cron: "([^"]+)"', workflow).group(1)
        return f"""\
GitHub Pages: the workflow {WORKFLOW} (in this repository) runs the tests on every push
and pull request, publishes on every push to main, and on the schedule "{cron}" (UTC) runs
`invoke publish --if-due`, so a scheduled post appears within about 15 minutes of its date.
To install it:
  1. Push the repository to GitHub (the workflow comes with it).
  2. Settings > Secrets and variables > Actions > Variables: one repository variable for each
     line below, filled in (the workflow sets DEPLOY_TARGET and GHPAGES_REMOTE itself;
     GHPAGES_CNAME is for a custom domain only):
{listed}
  3. After the first publish: Settings > Pages > Build and deployment: "Deploy from a branch", gh-pages, / (root).
No secret is needed: the workflow pushes with its own GITHUB_TOKEN (it asks for contents: write).
GitHub turns a public repository's scheduled workflows off after 60 days without activity;
the Actions tab turns them back on.
"""
    listed = "\n".join(env_lines(target_name, variables))
    return f"""\
A server deploying with {target_name}: run `invoke publish --if-due` every {every} minutes,
so a scheduled post appears within {every} minutes (plus the build) of its date.
Put these lines in {env_file} (mode 600), each filled in, 'in single quotes' where a value
has a space, &, $ or a quote (cron reads the file as shell; systemd takes the quotes off):

{listed}

Either systemd (as root: save both files, then `systemctl daemon-reload &&
systemctl enable --now {UNIT}.timer`; `journalctl -u {UNIT}` shows each run):

{service(root, python, user, env_file)}
{timer(every)}
Or cron (`crontab -e` as {user}; the log is ~/extramile-publish.log):

{crontab_line(root, python, env_file, every)}
"""
