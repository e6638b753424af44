"""`invoke replies-add`: a saved email becomes a reply file in content/replies/<article>/.

Every refusal is an IntakeError of one line, raised before anything is written.
`ask(question)` asks the person at the terminal; it is None when nobody can
answer (no terminal), and then a missing choice is a refusal naming the option.
"""

import datetime
from pathlib import Path

from extramile.intake.files import IntakeError, articles, articles_for_subject, check_after_article, file_id, reply_file
from extramile.intake.mail import reply_from_email
from extramile.intake.names import author_it_reads_as, has_address


def add_reply(message, settings, article="", name="", as_author=False, ask=None):
    """Write the reply in the email file `message`; return what to tell the person."""
    try:
        reply = reply_from_email(Path(message).read_bytes(), settings["REPLY_MAX_CHARS"])
    except (OSError, IntakeError) as err:
        raise IntakeError(f"{message}: {err}") from None
    chosen = article_for(reply["subject"], article, articles(settings), ask)
    shown = name or reply["name"]
    if not shown:
        if ask is None:
            raise IntakeError("The From header has no name (only an address, never published): give one with --name.")
        shown = ask("The sender gave no name; the name to show with the reply: ").strip()
    if has_address(shown):
        raise IntakeError(f"The name {shown!r} holds an email address, which is never published: "
                          "give a name with --name.")
    author = author_it_reads_as(shown, settings["AUTHORS_INFO"])
    if author and not as_author:
        raise IntakeError(f"The reply is signed {shown!r}, which reads as the author {author}'s name (look-alike "
                          f"and invisible characters set aside): nothing was written. If {author} sent it, "
                          "add --as-author.")
    date = datetime.datetime.strptime(reply["date"], "%Y-%m-%d %H:%M").replace(tzinfo=datetime.timezone.utc)
    try:
        check_after_article(date, chosen)
        text = reply_file(author or shown, reply["date"], reply["text"], source="email")
    except IntakeError as err:
        raise IntakeError(f"{message}: {err}: nothing was written.") from None
    stem = f"{reply['date'][:10]}-email-{file_id(reply['message_id'] or reply['text'])}"
    path = Path(settings["PATH"]) / settings["REPLIES_PATH"] / chosen.slug / f"{stem}.md"
    if path.exists():
        raise IntakeError(f"{path} exists already (this message was added before): nothing was written.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"Wrote {path}: a reply by {author or shown} to {chosen.title!r}. Read it, then build."


def article_for(subject, slug, known, ask):
    """The article a reply answers: --article, else the one its subject names, else asked."""
    if slug:
        matches = [a for a in known if a.slug == slug]
        if not matches:
            raise IntakeError(f"No article has the slug {slug!r}. Slugs: {', '.join(a.slug for a in known)}")
    else:
        matches = articles_for_subject(subject, known)
    if len(matches) == 1:
        return matches[0]
    choices = matches or known
    if ask is None:
        raise IntakeError(f"The subject {subject!r} names {'several articles' if matches else 'no article'}; "
                          f"say which with --article: {', '.join(a.slug for a in choices)}")
    listing = "".join(f"  {number}. {choice.title} ({choice.slug})\n" for number, choice in enumerate(choices, 1))
    answer = ask(f"{listing}Which article does {subject!r} answer? Number: ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(choices):
        raise IntakeError("No article chosen: nothing was written.")
    return choices[int(answer) - 1]
