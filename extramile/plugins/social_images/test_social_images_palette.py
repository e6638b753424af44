"""Fast tests: the social images take their colours from the theme's tokens."""

import shutil

from PIL import Image

from extramile import ROOT
from extramile.plugins.social_images import social_images
from extramile.plugins.theme_context.palette import theme_palette


def test_card_colours_are_the_light_tokens_of_the_theme():
    tokens = theme_palette(ROOT / "theme")
    colours = social_images.card_colours({"THEME": str(ROOT / "theme")})
    assert colours == {name: tokens[token][0] for name, token in social_images.COLOUR_TOKENS.items()}
    card = social_images.render("card", {"title": "A title", "byline": "By Ann", "sitename": "Site", "colours": colours})
    rgb = card.convert("RGB")
    assert rgb.getpixel((5, 5)) == Image.new("RGB", (1, 1), colours["bg"]).getpixel((0, 0))
    assert rgb.getpixel((5, social_images.HEIGHT - 5)) == Image.new("RGB", (1, 1), colours["accent"]).getpixel((0, 0))


def test_a_changed_token_changes_the_images_and_their_key(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme" / "static" / "css", theme / "static" / "css")
    before = social_images.card_colours({"THEME": str(theme)})
    css = theme / "static" / "css" / "style.css"
    css.write_text(css.read_text().replace(f"--color-bg: light-dark({before['bg']},", "--color-bg: light-dark(#102030,"))
    after = social_images.card_colours({"THEME": str(theme)})
    assert after == {**before, "bg": "#102030"}
    fields = {"title": "A title", "byline": "", "sitename": "Site"}
    assert social_images.image_key("card", {**fields, "colours": before}) != \
        social_images.image_key("card", {**fields, "colours": after})
    image = social_images.render("logo", {"colours": after}).convert("RGB")
    assert image.getpixel((0, 0)) == (0x10, 0x20, 0x30)
