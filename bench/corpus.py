"""A deterministic synthetic corpus: N posts of 600-900 words with full metadata.

The same seed and N always give the same files. Posts are valid for our
`validate` plugin (Title, Date, Author from AUTHORS_INFO, Category, Tags,
Summary) and use what real posts use: headings, emphasis, links, lists, block
quotes, quotes and dashes for typogrify to work on.
"""

import datetime
import random
import re

CATEGORIES = ["Going the Extra Mile", "Service Culture", "Trust and Loyalty", "Small Business", "Hospitality"]
TAGS = [
    "customer experience", "extra mile", "travel", "small business", "customer relationships",
    "personal touch", "training", "hospitality", "customer success", "loyalty",
    "employees", "complaints", "retail", "restaurants", "banking",
    "airlines", "hotels", "phone support", "leadership", "follow-up",
]
WORDS = ["customer", "service", "staff", "manager", "clerk", "guest", "owner", "team", "store", "shop", "counter", "phone", "call", "email", "order", "refund", "return", "delivery", "package", "letter", "note", "visit", "table", "room", "flight", "hotel", "bank", "teller", "waiter", "driver", "mechanic", "nurse", "pharmacist", "baker", "florist", "tailor", "cashier", "receptionist", "support", "problem", "answer", "question", "promise", "apology", "mistake", "delay", "surprise", "gift", "thanks", "smile", "name", "moment", "day", "week", "morning", "evening", "night", "hour", "minute", "year", "story", "lesson", "habit", "rule", "policy", "helped", "listened", "remembered", "called", "wrote", "walked", "drove", "stayed", "waited", "fixed", "offered", "noticed", "asked", "explained", "changed", "solved", "returned", "greeted", "followed", "thanked", "trusted", "kept", "opened", "closed", "small", "quiet", "kind", "patient", "careful", "honest", "simple", "extra", "local", "busy", "late", "early", "whole", "real", "every", "each", "another", "next", "last", "first", "second", "little", "long", "short", "good", "great", "better", "best", "because", "while", "after", "before", "until", "when", "where", "although", "since", "unless", "though"]
FIRST = ["How", "Why", "When", "What", "The Day", "A Lesson:", "Notes on", "Inside", "After", "Before"]
NOUNS = ["a Clerk", "the Night Manager", "a Baker", "the Front Desk", "a Phone Call", "a Refund",
         "the Waiter", "a Late Delivery", "the Owner", "a Bank Teller", "a Pharmacist", "the Driver"]
ENDS = ["Won a Customer for Life", "Turned a Complaint Around", "Went the Extra Mile",
        "Kept a Promise", "Remembered a Name", "Stayed After Closing", "Fixed What Was Not Theirs",
        "Said \"Yes\" Anyway", "Wrote a Note by Hand", "Made Someone's Day"]


def sentence(rng, words=None):
    count = words or rng.randint(8, 22)
    text = " ".join(rng.choice(WORDS) for _ in range(count))
    roll = rng.random()
    if roll < 0.08:
        text += ' -- "' + " ".join(rng.choice(WORDS) for _ in range(4)) + '"'
    elif roll < 0.14:
        text = "*" + text + "*"
    elif roll < 0.18:
        text += f" ([more](https://example.com/{rng.choice(WORDS)}))"
    elif roll < 0.22:
        text += "..."
    return text[0].upper() + text[1:] + ("" if text.endswith("...") else ".")


def body(rng, target):
    """Markdown paragraphs (and a heading, a list, a quote) of about `target` words."""
    blocks, words = [], 0
    while words < target:
        kind = rng.random()
        if kind < 0.10 and blocks:
            heading = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).capitalize()
            blocks.append("## " + heading)
            words += len(heading.split())
        elif kind < 0.17:
            items = [sentence(rng, rng.randint(5, 12)) for _ in range(rng.randint(3, 5))]
            blocks.append("\n".join("- " + item for item in items))
            words += sum(len(i.split()) for i in items)
        elif kind < 0.22:
            quote = sentence(rng)
            blocks.append("> " + quote)
            words += len(quote.split())
        else:
            para = " ".join(sentence(rng) for _ in range(rng.randint(3, 7)))
            blocks.append(para)
            words += len(para.split())
    return "\n\n".join(blocks) + "\n"


def posts(n, authors, seed=7):
    """Yield (slug, metadata dict, markdown body) for N posts, oldest first."""
    rng = random.Random(f"{seed}-{n}")
    start = datetime.datetime(2012, 1, 1, 9, 0)
    # Spread over ten years: every post in the past, each at its own minute.
    step = datetime.timedelta(minutes=max(1, (10 * 365 * 24 * 60) // max(n, 1)))
    for i in range(n):
        title = f"{rng.choice(FIRST)} {rng.choice(NOUNS)} {rng.choice(ENDS)} (No. {i + 1})"
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        meta = {
            "Title": title,
            "Slug": slug,
            "Date": (start + i * step).strftime("%Y-%m-%d %H:%M"),
            "Author": rng.choice(authors),
            "Category": rng.choice(CATEGORIES),
            "Tags": rng.sample(TAGS, rng.randint(2, 4)),
            "Summary": sentence(rng, rng.randint(18, 30)),
        }
        yield slug, meta, body(rng, rng.randint(600, 900))


def pelican_text(meta, text):
    lines = [f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in meta.items()]
    return "\n".join(lines) + "\n\n" + text


def toml_string(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hugo_text(meta, text):
    date = meta["Date"].replace(" ", "T") + ":00Z"
    lines = [
        "+++",
        f"title = {toml_string(meta['Title'])}",
        f"slug = {toml_string(meta['Slug'])}",
        f"date = {date}",
        f"summary = {toml_string(meta['Summary'])}",
        f"authors = [{toml_string(meta['Author'])}]",
        f"categories = [{toml_string(meta['Category'])}]",
        "tags = [" + ", ".join(toml_string(t) for t in meta["Tags"]) + "]",
        "+++",
    ]
    return "\n".join(lines) + "\n\n" + text
