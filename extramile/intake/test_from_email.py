"""The article a reply answers: named, found in the subject, or asked at the terminal."""

import pytest

from extramile.intake.files import Article, IntakeError
from extramile.intake.from_email import article_for

KNOWN = [Article("first-story", "The first story", "first-story/", None),
         Article("second-story", "The second story", "second-story/", None)]


def test_the_subject_names_one_article():
    assert article_for("Re: The second story", "", KNOWN, ask=None).slug == "second-story"


def test_an_unknown_slug_lists_the_slugs():
    with pytest.raises(IntakeError, match="No article has the slug 'third'. Slugs: first-story, second-story"):
        article_for("Re: hello", "third", KNOWN, ask=None)


def test_without_a_terminal_an_unclear_subject_names_the_option():
    with pytest.raises(IntakeError, match="names no article; say which with --article: first-story, second-story"):
        article_for("Re: hello", "", KNOWN, ask=None)


def test_at_a_terminal_the_person_chooses_by_number():
    questions = []
    chosen = article_for("Re: hello", "", KNOWN, ask=lambda q: questions.append(q) or "2")
    assert chosen.slug == "second-story"
    assert "  1. The first story (first-story)\n  2. The second story (second-story)\n" in questions[0]


@pytest.mark.parametrize("answer", ["", "0", "3", "two"])
def test_no_valid_number_writes_nothing(answer):
    with pytest.raises(IntakeError, match="No article chosen"):
        article_for("Re: hello", "", KNOWN, ask=lambda q: answer)
