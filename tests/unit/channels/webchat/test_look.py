"""The "what to look for" page: every language of the catalogue, escaped, linked from the
demo pages in their language."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.awareness.catalogue import get_awareness
from bot.channels.webchat.look import render_look
from bot.channels.webchat.pages import LANGUAGES, render_demo
from bot.settings import DATA_DIR


def test_the_page_exists_in_every_language_of_the_catalogue() -> None:
    catalogue = get_awareness()
    assert len(catalogue.languages) == 21
    for lang in catalogue.languages:
        page = render_look(lang)
        look = catalogue.look(lang)
        assert page is not None and f'<html lang="{lang}"' in page
        assert f"<h1>{look['title']}</h1>".replace("'", "&#39;") in page
        assert page.count("<li>") == sum(len(look[key]) for key in
                                         ("trafficking", "smuggling", "details"))
        assert "<script>" not in page  # no inline script (the demo pages' CSP)
    assert 'dir="rtl"' in (render_look("ar") or "") and 'dir="ltr"' in (render_look("pa") or "")
    assert render_look("xx") is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_demo_page_links_to_the_look_page_in_its_language(language: str) -> None:
    page = render_demo(language, "https://tips.example.org")
    assert f'<a href="/webchat/look/{language}" hreflang="{language}">' in page


def test_catalogue_text_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.awareness import catalogue as module
    from bot.settings import get_settings

    directory = tmp_path / "awareness"
    directory.mkdir()
    for path in (DATA_DIR / "awareness").glob("*.yml"):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.stem == "de":
            raw["look"]["title"] = '<img src=x onerror="alert(1)">'
            raw["look"]["details"].append("</li><script>alert(2)</script>")
        (directory / path.name).write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setenv("TIPLINE_AWARENESS_DIR", str(directory))
    get_settings.cache_clear()
    module.get_awareness.cache_clear()
    try:
        page = render_look("de") or ""
        assert "<img" not in page and "<script>" not in page
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
        assert "&lt;/li&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    finally:
        get_settings.cache_clear()
        module.get_awareness.cache_clear()
