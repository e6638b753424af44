"""`invoke new-post`: a post's first file, each field filled in or marked FILL-IN.
The editor (plugins/editor/format.js) adds missing fields in this same order."""

from extramile.sources import FILL_IN


def used_categories(posts):
    """The categories the posts in the folder `posts` use, sorted."""
    return sorted({line.split(":", 1)[1].strip() for post in posts.glob("*.md")
                   for line in post.read_text(encoding="utf-8", errors="replace").splitlines()[:20]
                   if line.lower().startswith("category:")})


def skeleton(title, slug, date, author, category, tags):
    """The new post's text; an empty `tags` is a FILL-IN line."""
    return (
        f"Title: {title}\n"
        f"Slug: {slug}\n"
        f"Date: {date}\n"
        f"Author: {author}\n"
        f"Category: {category}\n"
        f"Tags: {tags or FILL_IN + ': comma-separated tags, at least one'}\n"
        f"Summary: {FILL_IN}: one or two sentences that say what the article is about.\n"
        "Status: draft\n"
        f"Cover: {FILL_IN} (optional: delete this line and the next if the post has none): "
        "images/NAME.jpg, a photo in content/images/, shown above the article and in link previews\n"
        f"Cover_alt: {FILL_IN}: what the cover shows, for readers who cannot see it\n"
        f"Series: {FILL_IN} (optional: delete this line if the post is not part of a series): "
        "the series' name, written the same in each of its posts\n"
        "\n"
        f"{FILL_IN}: the text of the article, in markdown.\n"
        "\n"
        f"{FILL_IN}: delete this paragraph. A picture is one line: "
        '`![what it shows](images/NAME.jpg "Optional caption")` with the file in content/images/; '
        "alone in its paragraph with a caption it becomes a figure. Every picture needs its description "
        "(a purely decorative one: `![](images/NAME.jpg){: .decorative }`).\n"
    )
